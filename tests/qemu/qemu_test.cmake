# ctest driver (cmake -P) for the QEMU firmware tests. Variables:
#   MODE=smoke    SOURCE_DIR WORK_DIR CPU BOARD MACHINE PLUGIN HOST_SMOKE EXPECTED
#   MODE=overflow SOURCE_DIR WORK_DIR CPU BOARD OVERSIZE_BYTES
# Prints "SKIPPED: ..." (ctest SKIP_REGULAR_EXPRESSION) and stops when the ARM toolchain or QEMU is missing.
cmake_minimum_required(VERSION 3.20)

set(apt "sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib binutils-arm-none-eabi qemu-system-arm")
find_program(ARM_GXX arm-none-eabi-g++)
find_program(QEMU qemu-system-arm)
if(NOT ARM_GXX OR (MODE STREQUAL "smoke" AND NOT QEMU))
  message("SKIPPED: arm-none-eabi-g++ or qemu-system-arm not found; install with: ${apt}")
  return()
endif()

function(fail msg)
  message(FATAL_ERROR "FAIL: ${msg}")
endfunction()

# Configure and build the firmware project in tests/qemu; returns the build log and exit code.
function(build_firmware bin extra_args out_rc out_log)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/qemu -B ${bin}
      -DCMAKE_TOOLCHAIN_FILE=${SOURCE_DIR}/src/export/firmware_template/arm-none-eabi.cmake
      -DTINYOPS_CPU=${CPU} -DTINYOPS_BOARD=${BOARD} ${extra_args}
    RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
  if(NOT rc EQUAL 0)
    fail("configure of ${bin} failed:\n${log}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${bin} --target smoke smoke_fault
    RESULT_VARIABLE rc OUTPUT_VARIABLE log ERROR_VARIABLE log)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_log} "${log}" PARENT_SCOPE)
endfunction()

function(run_qemu elf json out_rc out_text)
  set(plugin_args)
  if(json)
    set(plugin_args -plugin ${PLUGIN},out=${json})
    file(REMOVE ${json})
  endif()
  execute_process(
    COMMAND ${QEMU} -M ${MACHINE} -nographic -semihosting-config enable=on,target=native
      -kernel ${elf} ${plugin_args}
    TIMEOUT 120 RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE text)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_text} "${text}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "smoke")
  set(bin ${WORK_DIR}/fw-${CPU})
  build_firmware(${bin} "" rc log)
  if(NOT rc EQUAL 0)
    fail("firmware build failed:\n${log}")
  endif()

  # The same source built for the host must print the same line.
  execute_process(COMMAND ${HOST_SMOKE} RESULT_VARIABLE rc OUTPUT_VARIABLE host_out)
  string(STRIP "${host_out}" host_out)
  if(NOT rc EQUAL 0 OR NOT host_out STREQUAL "output: ${EXPECTED}")
    fail("host build of smoke.cpp: exit ${rc}, printed '${host_out}', expected 'output: ${EXPECTED}'")
  endif()

  foreach(run 1 2)
    run_qemu(${bin}/smoke.elf ${bin}/counts_${run}.json rc text)
    if(NOT rc EQUAL 0)
      fail("${MACHINE} run ${run}: exit code ${rc}, expected 0; output:\n${text}")
    endif()
    if(NOT text MATCHES "output: ([0-9a-f]+)")
      fail("${MACHINE} run ${run}: no 'output:' line in:\n${text}")
    endif()
    if(NOT CMAKE_MATCH_1 STREQUAL EXPECTED)
      fail("${MACHINE} run ${run}: checksum ${CMAKE_MATCH_1}, expected ${EXPECTED}")
    endif()
    if(NOT EXISTS ${bin}/counts_${run}.json)
      fail("${MACHINE} run ${run}: plugin wrote no ${bin}/counts_${run}.json")
    endif()
    file(READ ${bin}/counts_${run}.json json_${run})
  endforeach()
  if(NOT json_1 STREQUAL json_2)
    fail("instruction counts differ between two runs:\n${json_1}\nvs\n${json_2}")
  endif()

  # total > 0; regions partition total; markers 1..4 each hit once with a plausible count.
  string(JSON total GET "${json_1}" total)
  string(JSON sum GET "${json_1}" pre_marker)
  string(JSON n LENGTH "${json_1}" markers)
  if(NOT total GREATER 0 OR NOT n EQUAL 4)
    fail("total=${total} (want > 0), ${n} markers (want 4):\n${json_1}")
  endif()
  set(min_insns 16384 16384 133120 1)  # >= 1 insn per byte / per CRC bit; stage 4 prints
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON id GET "${json_1}" markers ${i} id)
    string(JSON calls GET "${json_1}" markers ${i} calls)
    string(JSON insns GET "${json_1}" markers ${i} insns)
    math(EXPR want_id "${i} + 1")
    list(GET min_insns ${i} min)
    if(NOT id EQUAL want_id OR NOT calls EQUAL 1 OR insns LESS min)
      fail("marker ${i}: id=${id} calls=${calls} insns=${insns}; want id=${want_id} calls=1 insns>=${min}")
    endif()
    math(EXPR sum "${sum} + ${insns}")
  endforeach()
  if(NOT sum EQUAL total)
    fail("pre_marker + marker counts = ${sum}, total = ${total}")
  endif()
  message("${MACHINE} (${CPU}): output ${EXPECTED}, counts identical over 2 runs:\n${json_1}")

  # The HardFault handler reports UNDEFINSTR (CFSR bit 16) at the udf and exits with 101.
  run_qemu(${bin}/smoke_fault.elf "" rc text)
  if(NOT rc EQUAL 101 OR NOT text MATCHES "HardFault: pc=[0-9a-f]+ lr=[0-9a-f]+ hfsr=40000000 cfsr=00010000")
    fail("smoke_fault: exit ${rc} (want 101), output:\n${text}")
  endif()
  message("smoke_fault: exit 101, ${text}")

elseif(MODE STREQUAL "overflow")
  set(bin ${WORK_DIR}/fw-overflow-${CPU})
  build_firmware(${bin} "-DSMOKE_OVERSIZE_BYTES=${OVERSIZE_BYTES}" rc log)
  if(rc EQUAL 0)
    fail("firmware with a ${OVERSIZE_BYTES}-byte extra table linked, expected a region overflow")
  endif()
  foreach(want "region `EXT_FLASH' overflowed by 16384 bytes"
               "TinyOps: .ext_flash_weights (model weights) do not fit in EXT_FLASH")
    string(FIND "${log}" "${want}" pos)
    if(pos EQUAL -1)
      fail("link log lacks '${want}':\n${log}")
    endif()
  endforeach()
  message("oversized table rejected at link time as expected")
else()
  fail("unknown MODE '${MODE}'")
endif()
