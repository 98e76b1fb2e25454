/*
 * video_writer.c - videos through FFmpeg's libraries (see video_writer.h).
 *
 * libavformat writes through a custom AVIOContext into the OutputFile, so
 * the video, like every output, appears whole or not at all. The encoder is
 * the first of the container's candidates that this FFmpeg has and opens.
 * Packets come out of the encoder late (it looks ahead); each add and the
 * finish drain what is ready.
 */
#include "video_writer.h"

#include <stdio.h>
#include <string.h>

#if HEAPVIZ_HAVE_FFMPEG

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

enum { IO_BUFFER_BYTES = 1 << 16 };

struct VideoWriter {
    AVFormatContext *format;
    AVCodecContext *encoder;
    AVStream *stream;
    AVFrame *picture;            /* the frame in yuv420p */
    AVPacket *packet;
    struct SwsContext *convert;
    int64_t next_tick;           /* the next frame's presentation time, in 1/fps */
};

/* An encoder and the options that make it suit pictures of a program:
 * sharp text, long still stretches. */
typedef struct {
    const char *container, *encoder;
    const char *options;         /* "key=value:key=value" for av_dict_parse_string */
} Candidate;

static const Candidate candidates[] = {
    {"mp4", "libx264", "preset=fast:crf=20:tune=animation"},
    {"mp4", "mpeg4", ""},
    {"webm", "libvpx-vp9", "deadline=realtime:cpu-used=8:crf=32:b=0:row-mt=1"},
    {"webm", "libvpx", "deadline=realtime:cpu-used=8:crf=10:b=1000000"},
};

bool video_writer_available(char *message, size_t message_size)
{
    (void)message;
    (void)message_size;
    return true;
}

static bool av_failed(int error, const char *what, char *message, size_t message_size)
{
    char reason[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(error, reason, sizeof reason);
    snprintf(message, message_size, "cannot %s: %s", what, reason);
    return false;
}

static int write_packet(void *file, uint8_t *bytes, int length)
{
    output_file_bytes(file, (const char *)bytes, (size_t)length);
    return length;
}

static int64_t seek(void *file, int64_t offset, int whence)
{
    if (whence & AVSEEK_SIZE) {
        return -1; /* the muxer does without the size */
    }
    int64_t position = output_file_seek(file, offset, whence & ~AVSEEK_FORCE);
    return position >= 0 ? position : AVERROR(EIO);
}

static bool open_io(VideoWriter *writer, OutputFile *file)
{
    unsigned char *buffer = av_malloc(IO_BUFFER_BYTES);
    AVIOContext *io = buffer ? avio_alloc_context(buffer, IO_BUFFER_BYTES, 1, file, NULL, write_packet, seek) : NULL;
    if (io == NULL) {
        av_free(buffer);
        return false;
    }
    writer->format->pb = io;
    writer->format->flags |= AVFMT_FLAG_CUSTOM_IO;
    return true;
}

/* Tries one encoder; true when it opened. */
static bool try_encoder(VideoWriter *writer, const Candidate *candidate, int width, int height, uint32_t fps)
{
    const AVCodec *codec = avcodec_find_encoder_by_name(candidate->encoder);
    AVCodecContext *encoder = codec ? avcodec_alloc_context3(codec) : NULL;
    if (encoder == NULL) {
        return false;
    }
    encoder->width = width;
    encoder->height = height;
    encoder->time_base = (AVRational){1, (int)fps};
    encoder->framerate = (AVRational){(int)fps, 1};
    encoder->pix_fmt = AV_PIX_FMT_YUV420P;
    encoder->gop_size = (int)fps * 2; /* a key frame every two seconds, for seeking in a player */
    if (codec->id == AV_CODEC_ID_MPEG4) {
        encoder->flags |= AV_CODEC_FLAG_QSCALE; /* constant quality, not the default 200 kbit/s */
        encoder->global_quality = FF_QP2LAMBDA * 3;
    }
    if (writer->format->oformat->flags & AVFMT_GLOBALHEADER) {
        encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    AVDictionary *options = NULL;
    av_dict_parse_string(&options, candidate->options, "=", ":", 0);
    int error = avcodec_open2(encoder, codec, &options);
    av_dict_free(&options);
    if (error < 0) {
        avcodec_free_context(&encoder);
        return false;
    }
    writer->encoder = encoder;
    return true;
}

static bool open_encoder(VideoWriter *writer, const char *container, int width, int height, uint32_t fps,
                         char *message, size_t message_size)
{
    const char *first = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && writer->encoder == NULL; i++) {
        if (strcmp(candidates[i].container, container) == 0) {
            first = first ? first : candidates[i].encoder;
            try_encoder(writer, &candidates[i], width, height, fps);
        }
    }
    if (writer->encoder == NULL) {
        snprintf(message, message_size, "this FFmpeg has no working encoder for .%s", container);
        return false;
    }
    if (strcmp(writer->encoder->codec->name, first) != 0) {
        fprintf(stderr, "heapviz: this FFmpeg has no %s encoder; the .%s holds %s instead\n", first, container,
                writer->encoder->codec->long_name);
    }
    return true;
}

static bool open_stream(VideoWriter *writer, char *message, size_t message_size)
{
    writer->stream = avformat_new_stream(writer->format, NULL);
    if (writer->stream == NULL) {
        return av_failed(AVERROR(ENOMEM), "add the video stream", message, message_size);
    }
    writer->stream->time_base = writer->encoder->time_base;
    int error = avcodec_parameters_from_context(writer->stream->codecpar, writer->encoder);
    error = error < 0 ? error : avformat_write_header(writer->format, NULL);
    return error >= 0 || av_failed(error, "write the video header", message, message_size);
}

static bool open_picture(VideoWriter *writer, int width, int height, char *message, size_t message_size)
{
    writer->picture = av_frame_alloc();
    writer->packet = av_packet_alloc();
    writer->convert = sws_getContext(width, height, AV_PIX_FMT_RGB32, width, height, AV_PIX_FMT_YUV420P,
                                     SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
    if (writer->picture == NULL || writer->packet == NULL || writer->convert == NULL) {
        return av_failed(AVERROR(ENOMEM), "set up the video frames", message, message_size);
    }
    writer->picture->format = AV_PIX_FMT_YUV420P;
    writer->picture->width = width;
    writer->picture->height = height;
    int error = av_frame_get_buffer(writer->picture, 0);
    return error >= 0 || av_failed(error, "set up the video frames", message, message_size);
}

VideoWriter *video_writer_open(OutputFile *file, const char *container, int width, int height, uint32_t fps,
                               char *message, size_t message_size)
{
    av_log_set_level(AV_LOG_ERROR); /* the encoders' chatter is not for our users */
    VideoWriter *writer = av_mallocz(sizeof *writer);
    if (writer == NULL || avformat_alloc_output_context2(&writer->format, NULL, container, NULL) < 0 ||
        !open_io(writer, file)) {
        av_failed(AVERROR(ENOMEM), "start the video", message, message_size);
        video_writer_abandon(writer);
        return NULL;
    }
    if (!open_encoder(writer, container, width, height, fps, message, message_size) ||
        !open_stream(writer, message, message_size) ||
        !open_picture(writer, width, height, message, message_size)) {
        video_writer_abandon(writer);
        return NULL;
    }
    return writer;
}

const char *video_writer_codec(const VideoWriter *writer)
{
    return writer->encoder->codec->name;
}

/* Hands `picture` (NULL: the end) to the encoder and writes every packet it has ready. */
static int encode(VideoWriter *writer, AVFrame *picture)
{
    int error = avcodec_send_frame(writer->encoder, picture);
    while (error >= 0) {
        error = avcodec_receive_packet(writer->encoder, writer->packet);
        if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) {
            return 0;
        }
        if (error >= 0) {
            if (writer->packet->duration == 0) {
                writer->packet->duration = 1; /* one tick: else MP4 cuts the last frame from its edit list */
            }
            av_packet_rescale_ts(writer->packet, writer->encoder->time_base, writer->stream->time_base);
            writer->packet->stream_index = writer->stream->index;
            error = av_interleaved_write_frame(writer->format, writer->packet);
        }
    }
    return error;
}

bool video_writer_add(VideoWriter *writer, const Frame *frame, uint32_t ticks, char *message, size_t message_size)
{
    int error = av_frame_make_writable(writer->picture); /* the encoder may still hold the last one */
    if (error >= 0) {
        const uint8_t *source[1] = {(const uint8_t *)frame->pixels};
        const int stride[1] = {frame->width * 4};
        sws_scale(writer->convert, source, stride, 0, frame->height, writer->picture->data,
                  writer->picture->linesize);
    }
    for (uint32_t i = 0; i < ticks && error >= 0; i++) {
        writer->picture->pts = writer->next_tick++;
        error = encode(writer, writer->picture);
    }
    return error >= 0 || av_failed(error, "encode a video frame", message, message_size);
}

static void release(VideoWriter *writer)
{
    sws_freeContext(writer->convert);
    av_packet_free(&writer->packet);
    av_frame_free(&writer->picture);
    avcodec_free_context(&writer->encoder);
    if (writer->format != NULL) {
        if (writer->format->pb != NULL) {
            av_freep(&writer->format->pb->buffer);
            avio_context_free(&writer->format->pb);
        }
        avformat_free_context(writer->format);
    }
    av_free(writer);
}

bool video_writer_finish(VideoWriter *writer, char *message, size_t message_size)
{
    int error = encode(writer, NULL);
    error = error < 0 ? error : av_write_trailer(writer->format);
    if (error >= 0) {
        avio_flush(writer->format->pb);
    }
    release(writer);
    return error >= 0 || av_failed(error, "finish the video", message, message_size);
}

void video_writer_abandon(VideoWriter *writer)
{
    if (writer != NULL) {
        release(writer);
    }
}

#else /* built without FFmpeg */

bool video_writer_available(char *message, size_t message_size)
{
    snprintf(message, message_size,
             "this heapviz was built without FFmpeg's libraries, so it cannot write videos "
             "(install libavcodec-dev, libavformat-dev and libswscale-dev, or run tools/install-deps, "
             "and build again)");
    return false;
}

VideoWriter *video_writer_open(OutputFile *file, const char *container, int width, int height, uint32_t fps,
                               char *message, size_t message_size)
{
    (void)file, (void)container, (void)width, (void)height, (void)fps;
    video_writer_available(message, message_size);
    return NULL;
}

const char *video_writer_codec(const VideoWriter *writer)
{
    (void)writer;
    return "none";
}

bool video_writer_add(VideoWriter *writer, const Frame *frame, uint32_t ticks, char *message, size_t message_size)
{
    (void)writer, (void)frame, (void)ticks;
    return video_writer_available(message, message_size);
}

bool video_writer_finish(VideoWriter *writer, char *message, size_t message_size)
{
    (void)writer;
    return video_writer_available(message, message_size);
}

void video_writer_abandon(VideoWriter *writer)
{
    (void)writer;
}

#endif
