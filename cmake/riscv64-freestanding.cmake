# Toolchain for a bare-metal RISC-V firmware build of the HAL, driver and layer runtime
# (Debian gcc-riscv64-unknown-elf; no C library). Used with firmware/ as the source
# folder: cmake -S firmware -B build-fw -DCMAKE_TOOLCHAIN_FILE=cmake/riscv64-freestanding.cmake
# (scripts/cross_build_firmware.sh). Override DWVP_FW_ARCH / DWVP_FW_ABI for another core.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_AR riscv64-unknown-elf-ar CACHE FILEPATH "")
set(CMAKE_RANLIB riscv64-unknown-elf-ranlib CACHE FILEPATH "")
# No libc to link a test program against: CMake's compiler checks build a library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(DWVP_FW_ARCH "rv64imac" CACHE STRING "-march of the firmware build")
set(DWVP_FW_ABI "lp64" CACHE STRING "-mabi of the firmware build")
set(CMAKE_C_FLAGS_INIT
    "-march=${DWVP_FW_ARCH} -mabi=${DWVP_FW_ABI} -mcmodel=medany -ffreestanding -nostdlib -ffunction-sections -fdata-sections")
