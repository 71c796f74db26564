/* TinyOps bare-metal startup for Cortex-M (M7, M55), semihosting I/O (newlib nano + rdimon).
 * Linked with -nostartfiles: this file replaces crt0 (the stock rdimon crt0 puts the stack in
 * unmapped memory on the MPS2/MPS3 boards). Symbols come from tinyops_firmware.ld.in. */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

extern int main(void);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

extern uint32_t __stack_top;
extern uint32_t __data_load, __data_start, __data_end;
extern uint32_t __bss_start, __bss_end;

void Reset_Handler(void);
void HardFault_Handler(void);
void Default_Handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)

/* newlib's __libc_init_array calls _init; crti.o is not linked with -nostartfiles. */
void _init(void) {}
void _fini(void) {}

/* Semihosting SYS_WRITE0 (0x04): print a NUL-terminated string; safe inside fault handlers. */
static void semihost_write0(const char *s) {
  register uint32_t r0 __asm__("r0") = 0x04;
  register const char *r1 __asm__("r1") = s;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

static void put_hex(const char *label, uint32_t v) {
  char buf[24];
  int n = 0;
  buf[n++] = ' ';
  while (*label) buf[n++] = *label++;
  buf[n++] = '=';
  for (int shift = 28; shift >= 0; shift -= 4) buf[n++] = "0123456789abcdef"[(v >> shift) & 0xFu];
  buf[n] = 0;
  semihost_write0(buf);
}

void Reset_Handler(void) {
  /* Full access to CP10/CP11 (FPU, and MVE on M55) before any compiled code may use them. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
  for (uint32_t *src = &__data_load, *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* Prints the fault status and the stacked PC, then exits with code 101. */
__attribute__((used)) static void hardfault_report(const uint32_t *frame) {
  semihost_write0("HardFault:");
  put_hex("pc", frame[6]);
  put_hex("lr", frame[5]);
  put_hex("hfsr", SCB_HFSR);
  put_hex("cfsr", SCB_CFSR);
  put_hex("mmfar", SCB_MMFAR);
  put_hex("bfar", SCB_BFAR);
  semihost_write0("\n");
  _exit(101);
}

__attribute__((naked)) void HardFault_Handler(void) {
  /* Pass the exception frame (MSP or PSP, from EXC_RETURN bit 2) to hardfault_report. */
  __asm__ volatile(
      "tst lr, #4\n\t"
      "ite eq\n\t"
      "mrseq r0, msp\n\t"
      "mrsne r0, psp\n\t"
      "b hardfault_report\n\t");
}

/* Any other exception: prints its number (IPSR) and exits with code 102. */
void Default_Handler(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  semihost_write0("Unexpected exception:");
  put_hex("ipsr", ipsr);
  semihost_write0("\n");
  _exit(102);
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SecureFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* 16 system vectors + 32 external interrupts (all to Default_Handler; TinyOps enables none). */
typedef void (*vector_t)(void);
__attribute__((section(".isr_vector"), used)) const vector_t tinyops_vectors[16 + 32] = {
    (vector_t)&__stack_top, Reset_Handler,   NMI_Handler,         HardFault_Handler,
    MemManage_Handler,      BusFault_Handler, UsageFault_Handler, SecureFault_Handler,
    0,                      0,                0,                  SVC_Handler,
    DebugMon_Handler,       0,                PendSV_Handler,     SysTick_Handler,
    [16 ... 47] = Default_Handler,
};
