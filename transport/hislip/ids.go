package hislip

// firstMessageID is the first client MessageID after initialization or a
// device clear (IVI-6.1 §3.6); "last sent" before any message is this
// minus 2.
const firstMessageID uint32 = 0xFFFFFF00
