# CMake toolchain file for TinyOps bare-metal firmware (arm-none-eabi-gcc, newlib nano + rdimon
# semihosting, our own startup.c). Select the core with -DTINYOPS_CPU=cortex-m7|cortex-m55.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(TINYOPS_CPU "cortex-m7" CACHE STRING "Target core: cortex-m7 or cortex-m55")
set_property(CACHE TINYOPS_CPU PROPERTY STRINGS cortex-m7 cortex-m55)
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TINYOPS_CPU)

find_program(ARM_GCC arm-none-eabi-gcc REQUIRED)
find_program(ARM_GXX arm-none-eabi-g++ REQUIRED)
set(CMAKE_C_COMPILER ${ARM_GCC})
set(CMAKE_CXX_COMPILER ${ARM_GXX})
set(CMAKE_ASM_COMPILER ${ARM_GCC})
find_program(CMAKE_OBJCOPY arm-none-eabi-objcopy)
find_program(CMAKE_SIZE arm-none-eabi-size)

if(TINYOPS_CPU STREQUAL "cortex-m7")
  # QEMU's cortex-m7 has the double-precision FPv5 FPU.
  set(_cpu_flags "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
elseif(TINYOPS_CPU STREQUAL "cortex-m55")
  # Helium (MVE) + FPU; newlib comes from the v8-m.main+dp/hard multilib.
  set(_cpu_flags "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard")
else()
  message(FATAL_ERROR "TINYOPS_CPU must be cortex-m7 or cortex-m55, got '${TINYOPS_CPU}'")
endif()

set(_common "${_cpu_flags} -O2 -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${_common}")
set(CMAKE_CXX_FLAGS_INIT "${_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit")
set(CMAKE_ASM_FLAGS_INIT "${_cpu_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "${_cpu_flags} --specs=nano.specs --specs=rdimon.specs -nostartfiles -Wl,--gc-sections")
# Build-type defaults would override -O2 (e.g. Release adds -O3); keep exactly the flags above.
set(CMAKE_C_FLAGS_RELEASE_INIT "-DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE_INIT "-DNDEBUG")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
