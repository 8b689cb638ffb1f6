# The accelerator probe's guest: a 512-byte boot sector that switches to 64-bit long mode,
# counts a register down from ten million, then writes "mcp-accel-ok" to the first serial port
# and halts. Under a working KVM it finishes in milliseconds, under TCG in well under a second;
# a KVM that opens but cannot run a guest never gets there within the deadline.
# Rebuild (the bytes are embedded in probe-guest.ts):
#   gcc -c -o probe.o probe-guest.S && ld -m elf_x86_64 -Ttext 0x7c00 --oformat binary -o probe.bin probe.o
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        mov $0x7c00, %sp
        lgdt gdtr
        mov %cr0, %eax
        or $1, %eax                     # protected mode
        mov %eax, %cr0
        ljmp $0x08, $pm32
        .code32
pm32:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x1000, %edi               # page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD)
        xor %eax, %eax
        mov $0x1000, %ecx
        rep stosl
        movl $0x2003, 0x1000
        movl $0x3003, 0x2000
        movl $0x83, 0x3000              # the first 2 MiB, identity-mapped
        mov $0x1000, %eax
        mov %eax, %cr3
        mov %cr4, %eax
        or $0x20, %eax                  # PAE
        mov %eax, %cr4
        mov $0xc0000080, %ecx           # EFER.LME
        rdmsr
        or $0x100, %eax
        wrmsr
        mov %cr0, %eax
        or $0x80000000, %eax            # paging: long mode
        mov %eax, %cr0
        ljmp $0x18, $lm64
        .code64
lm64:
        mov $10000000, %ecx             # the work a guest must get done in time
1:      dec %ecx
        jnz 1b
        mov $msg, %esi
        mov $0x3f8, %dx                 # COM1
2:      lodsb
        test %al, %al
        jz 3f
        out %al, %dx
        jmp 2b
3:      cli
        hlt
        jmp 3b
msg:    .asciz "mcp-accel-ok\n"
        .p2align 3
gdt:    .quad 0
        .quad 0x00cf9a000000ffff        # 0x08: 32-bit code
        .quad 0x00cf92000000ffff        # 0x10: data
        .quad 0x00af9a000000ffff        # 0x18: 64-bit code
gdtr:   .word gdtr - gdt - 1
        .long gdt
        .org 510
        .byte 0x55, 0xaa
