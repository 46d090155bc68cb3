; The header asks for the address fields but the file ends after 16 bytes.
    dd 0x1badb002
    dd 0x00010000
    dd -(0x1badb002 + 0x00010000)
    dd 0x100000
