package vxi11

import (
	"github.com/govisa/govisa/rpc"
)

// Programs of the three VXI-11 channels (fact sheet §2.1). All are version 1.
const (
	ProgCore    = 0x0607AF // DEVICE_CORE, TCP, found through the portmapper
	ProgAsync   = 0x0607B0 // DEVICE_ASYNC (abort channel), port from create_link
	ProgIntr    = 0x0607B1 // DEVICE_INTR, served by the client
	ProgVersion = 1
)

// Procedure numbers (fact sheet §2.2).
const (
	ProcCreateLink      = 10
	ProcDeviceWrite     = 11
	ProcDeviceRead      = 12
	ProcDeviceReadSTB   = 13
	ProcDeviceTrigger   = 14
	ProcDeviceClear     = 15
	ProcDeviceRemote    = 16
	ProcDeviceLocal     = 17
	ProcDeviceLock      = 18
	ProcDeviceUnlock    = 19
	ProcDeviceEnableSRQ = 20
	ProcDeviceDocmd     = 22
	ProcDestroyLink     = 23
	ProcCreateIntrChan  = 25
	ProcDestroyIntrChan = 26
	ProcDeviceAbort     = 1  // on ProgAsync
	ProcDeviceIntrSRQ   = 30 // on ProgIntr, one-way
)

// Flags is the Device_Flags bit set.
type Flags int32

// Device_Flags bits (fact sheet §2.4).
const (
	FlagWaitLock    Flags = 0x01 // wait up to lock_timeout for a lock held elsewhere
	FlagEnd         Flags = 0x08 // the last byte of a device_write carries END
	FlagTermCharSet Flags = 0x80 // device_read stops after termChar
)

// Reason is the device_read reason bit set.
type Reason int32

// device_read reasons (fact sheet §2.4).
const (
	ReasonReqCnt Reason = 0x01 // requestSize bytes transferred
	ReasonChr    Reason = 0x02 // termChar transferred
	ReasonEnd    Reason = 0x04 // END received
)

// Interrupt channel address families of Device_RemoteFunc.progFamily (not
// IPPROTO numbers).
const (
	FamilyTCP = 0
	FamilyUDP = 1
)

// Limits the decoders apply. Variable data is aliased, not copied, so the
// maxima that matter for memory are the ones on strings and handles; the
// rest are bounded by the record, which the RPC layer caps.
const (
	// MaxDeviceName bounds the device string of create_link.
	MaxDeviceName = 256
	// MaxHandle is the declared maximum of Device_EnableSrqParms.handle.
	MaxHandle = 40
)

// LinkID is a Device_Link, the link identifier create_link returns.
type LinkID int32

// CreateLinkParms is the argument of create_link.
type CreateLinkParms struct {
	ClientID    int32
	LockDevice  bool
	LockTimeout uint32 // ms
	Device      string
}

// AppendXDR appends the encoding of p.
func (p *CreateLinkParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, p.ClientID)
	b = rpc.AppendBool(b, p.LockDevice)
	b = rpc.AppendUint32(b, p.LockTimeout)
	return rpc.AppendString(b, p.Device)
}

// DecodeXDR decodes p; a device name over MaxDeviceName bytes is refused.
func (p *CreateLinkParms) DecodeXDR(d *rpc.Decoder) error {
	p.ClientID, _ = d.Int32()
	p.LockDevice, _ = d.Bool()
	p.LockTimeout, _ = d.Uint32()
	p.Device, _ = d.String(MaxDeviceName)
	return d.Err()
}

// CreateLinkResp is the result of create_link.
type CreateLinkResp struct {
	Error       ErrorCode
	LID         LinkID
	AbortPort   uint16 // an unsigned short on a 4-byte slot
	MaxRecvSize uint32
}

// AppendXDR appends the encoding of r.
func (r *CreateLinkResp) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(r.Error))
	b = rpc.AppendInt32(b, int32(r.LID))
	b = rpc.AppendUint32(b, uint32(r.AbortPort))
	return rpc.AppendUint32(b, r.MaxRecvSize)
}

// DecodeXDR decodes r. Only the low 16 bits of the abortPort slot count.
func (r *CreateLinkResp) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	lid, _ := d.Int32()
	port, _ := d.Uint32()
	r.MaxRecvSize, _ = d.Uint32()
	r.Error, r.LID, r.AbortPort = ErrorCode(e), LinkID(lid), uint16(port)
	return d.Err()
}

// DeviceWriteParms is the argument of device_write.
type DeviceWriteParms struct {
	LID         LinkID
	IOTimeout   uint32 // ms
	LockTimeout uint32 // ms
	Flags       Flags
	Data        []byte // aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of p.
func (p *DeviceWriteParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendUint32(b, p.IOTimeout)
	b = rpc.AppendUint32(b, p.LockTimeout)
	b = rpc.AppendInt32(b, int32(p.Flags))
	return rpc.AppendOpaque(b, p.Data)
}

// DecodeXDR decodes p; Data aliases the decoder's input, so its length is
// bounded by the record and checked against maxRecvSize by the server.
func (p *DeviceWriteParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	p.IOTimeout, _ = d.Uint32()
	p.LockTimeout, _ = d.Uint32()
	f, _ := d.Int32()
	p.Data, _ = d.Opaque(rpc.NoMax)
	p.LID, p.Flags = LinkID(lid), Flags(f)
	return d.Err()
}

// DeviceWriteResp is the result of device_write.
type DeviceWriteResp struct {
	Error ErrorCode
	Size  uint32
}

// AppendXDR appends the encoding of r.
func (r *DeviceWriteResp) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(r.Error))
	return rpc.AppendUint32(b, r.Size)
}

// DecodeXDR decodes r.
func (r *DeviceWriteResp) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	r.Size, _ = d.Uint32()
	r.Error = ErrorCode(e)
	return d.Err()
}

// DeviceReadParms is the argument of device_read.
type DeviceReadParms struct {
	LID         LinkID
	RequestSize uint32
	IOTimeout   uint32 // ms
	LockTimeout uint32 // ms
	Flags       Flags
	TermChar    byte // a char on a 4-byte slot; meaningful with FlagTermCharSet
}

// AppendXDR appends the encoding of p.
func (p *DeviceReadParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendUint32(b, p.RequestSize)
	b = rpc.AppendUint32(b, p.IOTimeout)
	b = rpc.AppendUint32(b, p.LockTimeout)
	b = rpc.AppendInt32(b, int32(p.Flags))
	return rpc.AppendUint32(b, uint32(p.TermChar))
}

// DecodeXDR decodes p. Only the low 8 bits of the termChar slot count.
func (p *DeviceReadParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	p.RequestSize, _ = d.Uint32()
	p.IOTimeout, _ = d.Uint32()
	p.LockTimeout, _ = d.Uint32()
	f, _ := d.Int32()
	tc, _ := d.Uint32()
	p.LID, p.Flags, p.TermChar = LinkID(lid), Flags(f), byte(tc)
	return d.Err()
}

// DeviceReadResp is the result of device_read.
type DeviceReadResp struct {
	Error  ErrorCode
	Reason Reason
	Data   []byte // aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of r.
func (r *DeviceReadResp) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(r.Error))
	b = rpc.AppendInt32(b, int32(r.Reason))
	return rpc.AppendOpaque(b, r.Data)
}

// DecodeXDR decodes r; Data aliases the decoder's input.
func (r *DeviceReadResp) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	reason, _ := d.Int32()
	r.Data, _ = d.Opaque(rpc.NoMax)
	r.Error, r.Reason = ErrorCode(e), Reason(reason)
	return d.Err()
}

// DeviceReadSTBResp is the result of device_readstb.
type DeviceReadSTBResp struct {
	Error ErrorCode
	STB   byte // an unsigned char on a 4-byte slot
}

// AppendXDR appends the encoding of r.
func (r *DeviceReadSTBResp) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(r.Error))
	return rpc.AppendUint32(b, uint32(r.STB))
}

// DecodeXDR decodes r. Only the low 8 bits of the stb slot count.
func (r *DeviceReadSTBResp) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	stb, _ := d.Uint32()
	r.Error, r.STB = ErrorCode(e), byte(stb)
	return d.Err()
}

// DeviceGenericParms is the argument of device_readstb, device_trigger,
// device_clear, device_remote and device_local. Note the field order:
// lock_timeout comes before io_timeout.
type DeviceGenericParms struct {
	LID         LinkID
	Flags       Flags
	LockTimeout uint32 // ms
	IOTimeout   uint32 // ms
}

// AppendXDR appends the encoding of p.
func (p *DeviceGenericParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendInt32(b, int32(p.Flags))
	b = rpc.AppendUint32(b, p.LockTimeout)
	return rpc.AppendUint32(b, p.IOTimeout)
}

// DecodeXDR decodes p.
func (p *DeviceGenericParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	f, _ := d.Int32()
	p.LockTimeout, _ = d.Uint32()
	p.IOTimeout, _ = d.Uint32()
	p.LID, p.Flags = LinkID(lid), Flags(f)
	return d.Err()
}

// DeviceRemoteFunc is the argument of create_intr_chan: where the client's
// interrupt server listens.
type DeviceRemoteFunc struct {
	HostAddr   uint32 // IPv4 address as a number (192.168.1.10 = 0xC0A8010A)
	HostPort   uint32
	ProgNum    uint32 // ProgIntr
	ProgVers   uint32 // 1
	ProgFamily int32  // FamilyTCP or FamilyUDP
}

// AppendXDR appends the encoding of p.
func (p *DeviceRemoteFunc) AppendXDR(b []byte) []byte {
	b = rpc.AppendUint32(b, p.HostAddr)
	b = rpc.AppendUint32(b, p.HostPort)
	b = rpc.AppendUint32(b, p.ProgNum)
	b = rpc.AppendUint32(b, p.ProgVers)
	return rpc.AppendInt32(b, p.ProgFamily)
}

// DecodeXDR decodes p.
func (p *DeviceRemoteFunc) DecodeXDR(d *rpc.Decoder) error {
	p.HostAddr, _ = d.Uint32()
	p.HostPort, _ = d.Uint32()
	p.ProgNum, _ = d.Uint32()
	p.ProgVers, _ = d.Uint32()
	p.ProgFamily, _ = d.Int32()
	return d.Err()
}

// DeviceEnableSRQParms is the argument of device_enable_srq.
type DeviceEnableSRQParms struct {
	LID    LinkID
	Enable bool
	Handle []byte // at most MaxHandle bytes; aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of p.
func (p *DeviceEnableSRQParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendBool(b, p.Enable)
	return rpc.AppendOpaque(b, p.Handle)
}

// DecodeXDR decodes p; a handle over MaxHandle bytes is refused.
func (p *DeviceEnableSRQParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	p.Enable, _ = d.Bool()
	p.Handle, _ = d.Opaque(MaxHandle)
	p.LID = LinkID(lid)
	return d.Err()
}

// DeviceLockParms is the argument of device_lock.
type DeviceLockParms struct {
	LID         LinkID
	Flags       Flags // only FlagWaitLock matters
	LockTimeout uint32
}

// AppendXDR appends the encoding of p.
func (p *DeviceLockParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendInt32(b, int32(p.Flags))
	return rpc.AppendUint32(b, p.LockTimeout)
}

// DecodeXDR decodes p.
func (p *DeviceLockParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	f, _ := d.Int32()
	p.LockTimeout, _ = d.Uint32()
	p.LID, p.Flags = LinkID(lid), Flags(f)
	return d.Err()
}

// DeviceLink is the argument of device_unlock, destroy_link and
// device_abort: a bare link id.
type DeviceLink struct{ LID LinkID }

// AppendXDR appends the encoding of p.
func (p *DeviceLink) AppendXDR(b []byte) []byte { return rpc.AppendInt32(b, int32(p.LID)) }

// DecodeXDR decodes p.
func (p *DeviceLink) DecodeXDR(d *rpc.Decoder) error {
	lid, err := d.Int32()
	p.LID = LinkID(lid)
	return err
}

// DeviceError is the Device_Error result of most procedures.
type DeviceError struct{ Error ErrorCode }

// AppendXDR appends the encoding of r.
func (r *DeviceError) AppendXDR(b []byte) []byte { return rpc.AppendInt32(b, int32(r.Error)) }

// DecodeXDR decodes r.
func (r *DeviceError) DecodeXDR(d *rpc.Decoder) error {
	e, err := d.Int32()
	r.Error = ErrorCode(e)
	return err
}

// DeviceDocmdParms is the argument of device_docmd.
type DeviceDocmdParms struct {
	LID          LinkID
	Flags        Flags
	IOTimeout    uint32
	LockTimeout  uint32
	Cmd          int32
	NetworkOrder bool
	DataSize     int32
	DataIn       []byte // aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of p.
func (p *DeviceDocmdParms) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(p.LID))
	b = rpc.AppendInt32(b, int32(p.Flags))
	b = rpc.AppendUint32(b, p.IOTimeout)
	b = rpc.AppendUint32(b, p.LockTimeout)
	b = rpc.AppendInt32(b, p.Cmd)
	b = rpc.AppendBool(b, p.NetworkOrder)
	b = rpc.AppendInt32(b, p.DataSize)
	return rpc.AppendOpaque(b, p.DataIn)
}

// DecodeXDR decodes p; DataIn aliases the decoder's input.
func (p *DeviceDocmdParms) DecodeXDR(d *rpc.Decoder) error {
	lid, _ := d.Int32()
	f, _ := d.Int32()
	p.IOTimeout, _ = d.Uint32()
	p.LockTimeout, _ = d.Uint32()
	p.Cmd, _ = d.Int32()
	p.NetworkOrder, _ = d.Bool()
	p.DataSize, _ = d.Int32()
	p.DataIn, _ = d.Opaque(rpc.NoMax)
	p.LID, p.Flags = LinkID(lid), Flags(f)
	return d.Err()
}

// DeviceDocmdResp is the result of device_docmd.
type DeviceDocmdResp struct {
	Error   ErrorCode
	DataOut []byte // aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of r.
func (r *DeviceDocmdResp) AppendXDR(b []byte) []byte {
	b = rpc.AppendInt32(b, int32(r.Error))
	return rpc.AppendOpaque(b, r.DataOut)
}

// DecodeXDR decodes r; DataOut aliases the decoder's input.
func (r *DeviceDocmdResp) DecodeXDR(d *rpc.Decoder) error {
	e, _ := d.Int32()
	r.DataOut, _ = d.Opaque(rpc.NoMax)
	r.Error = ErrorCode(e)
	return d.Err()
}

// DeviceSRQParms is the argument of device_intr_srq on the interrupt
// channel: the handle given to device_enable_srq.
type DeviceSRQParms struct {
	Handle []byte // aliases the input after DecodeXDR
}

// AppendXDR appends the encoding of p.
func (p *DeviceSRQParms) AppendXDR(b []byte) []byte { return rpc.AppendOpaque(b, p.Handle) }

// DecodeXDR decodes p. The handle is declared opaque<> here but was at
// most MaxHandle bytes when enabled; longer ones are refused.
func (p *DeviceSRQParms) DecodeXDR(d *rpc.Decoder) error {
	var err error
	p.Handle, err = d.Opaque(MaxHandle)
	return err
}
