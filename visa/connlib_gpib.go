package visa

import (
	"context"
)

// The GPIB bus operations reach the transport through small optional
// interfaces, so that any interface session whose transport offers them
// (a linux-gpib board, a Prologix adapter) supports them.
type (
	gpibCommander interface {
		Command(ctx context.Context, cmd []byte) error
	}
	gpibIFC interface {
		SendIFC(ctx context.Context) error
	}
	gpibATN interface {
		ControlATN(ctx context.Context, mode int) error
	}
	gpibPassControl interface {
		PassControl(ctx context.Context, pad, sad int) error
	}
)

// gpibOp runs f on the session's connection under the session's I/O lock
// when the connection implements I, and answers VI_ERROR_NSUP_OPER
// otherwise.
func gpibOp[I any](l *ConnLibrary, ctx context.Context, id Session, op string, f func(ctx context.Context, c I) error) error {
	s, err := l.session(id, op)
	if err != nil {
		return err
	}
	c, ok := s.conn.(I)
	if !ok {
		return &Error{Status: VI_ERROR_NSUP_OPER, Op: op, Resource: s.rsrc, Msg: "not supported by this resource"}
	}
	ictx, err := s.begin(ctx, op)
	if err != nil {
		return err
	}
	defer s.end()
	return mapError(op, s.rsrc, f(ictx, c))
}

// GpibCommand implements viGpibCommand: cmd is sent with ATN asserted.
func (l *ConnLibrary) GpibCommand(ctx context.Context, id Session, cmd []byte) (int, error) {
	err := gpibOp(l, ctx, id, "viGpibCommand", func(ctx context.Context, c gpibCommander) error { return c.Command(ctx, cmd) })
	if err != nil {
		return 0, err
	}
	return len(cmd), nil
}

// GpibSendIFC implements viGpibSendIFC.
func (l *ConnLibrary) GpibSendIFC(ctx context.Context, id Session) error {
	return gpibOp(l, ctx, id, "viGpibSendIFC", func(ctx context.Context, c gpibIFC) error { return c.SendIFC(ctx) })
}

// GpibControlATN implements viGpibControlATN.
func (l *ConnLibrary) GpibControlATN(ctx context.Context, id Session, mode uint16) error {
	if mode > VI_GPIB_ATN_ASSERT_IMMEDIATE {
		return &Error{Status: VI_ERROR_INV_MODE, Op: "viGpibControlATN"}
	}
	return gpibOp(l, ctx, id, "viGpibControlATN", func(ctx context.Context, c gpibATN) error { return c.ControlATN(ctx, int(mode)) })
}

// GpibPassControl implements viGpibPassControl (sad VI_NO_SEC_ADDR: none).
func (l *ConnLibrary) GpibPassControl(ctx context.Context, id Session, pad, sad uint16) error {
	s := -1
	if sad != VI_NO_SEC_ADDR {
		s = int(sad)
	}
	return gpibOp(l, ctx, id, "viGpibPassControl", func(ctx context.Context, c gpibPassControl) error { return c.PassControl(ctx, int(pad), s) })
}
