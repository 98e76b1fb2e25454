# Runs heapviz under valgrind's memcheck and fails on any error or leak.
#   cmake -DVALGRIND=... -DHEAPVIZ=... -DOUTPUT_DIR=... -DTRACE=... [-DWITH_TRACE=ON] -P valgrind_run.cmake
# Without WITH_TRACE: a short headless simulation. With it: the trace with
# --record, --csv and --blocks into OUTPUT_DIR, and the three files must appear.
set(arguments --headless --stats json)
if(WITH_TRACE)
    file(REMOVE_RECURSE ${OUTPUT_DIR})
    file(MAKE_DIRECTORY ${OUTPUT_DIR})
    set(outputs ${OUTPUT_DIR}/recorded.rep ${OUTPUT_DIR}/steps.csv ${OUTPUT_DIR}/blocks.txt)
    list(APPEND arguments --trace ${TRACE} --policy best-fit --heap-bytes 8192
         --record ${OUTPUT_DIR}/recorded.rep --csv ${OUTPUT_DIR}/steps.csv
         --blocks ${OUTPUT_DIR}/blocks.txt)
else()
    list(APPEND arguments --steps 3000 --policy next-fit)
endif()
execute_process(
    COMMAND ${VALGRIND} --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99
            ${HEAPVIZ} ${arguments}
    RESULT_VARIABLE status
    OUTPUT_VARIABLE output
    ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "valgrind heapviz ${arguments} exited with ${status}:\n${errors}")
endif()
if(NOT output MATCHES "\"mallocs\":[1-9]")
    message(FATAL_ERROR "heapviz printed no statistics:\n${output}")
endif()
foreach(path IN LISTS outputs)
    file(SIZE ${path} size)
    if(size EQUAL 0)
        message(FATAL_ERROR "${path} is empty")
    endif()
endforeach()
