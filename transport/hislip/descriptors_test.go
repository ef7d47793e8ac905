package hislip

import (
	"bytes"
	"crypto/tls"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/govisa/govisa/transport"
)

func TestDescriptorsCodec(t *testing.T) {
	want := []byte{0, 4, 0, 3, 3, 3, 4, 0, 2, 1, 'h', 'i', 0, 0, 2}
	b := AppendDescriptors(nil,
		Descriptor{Type: DescSupportedTLSVersions, Data: []byte{3, 3, 3, 4}},
		Descriptor{Type: DescTLSInformation, Data: []byte("hi")},
		Descriptor{Type: DescTLSLastError})
	if !bytes.Equal(b, want) {
		t.Fatalf("% x", b)
	}
	ds, err := ParseDescriptors(b)
	if err != nil || len(ds) != 3 || !slices.Equal(ds[0].TLSVersions(), []uint16{tls.VersionTLS12, tls.VersionTLS13}) || string(ds[1].Data) != "hi" {
		t.Fatalf("%v %+v", err, ds)
	}
	for _, bad := range [][]byte{{0}, {0, 5, 1, 'a'}} {
		if _, err := ParseDescriptors(bad); !errors.Is(err, transport.ErrProtocol) {
			t.Fatalf("% x: %v", bad, err)
		}
	}
}

func FuzzDescriptors(f *testing.F) {
	f.Add([]byte{0, 4, 0, 3, 3, 3, 4})
	f.Add([]byte{0xff, 0xff, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ParseDescriptors(b)
		if err != nil {
			return
		}
		if got := AppendDescriptors(nil, ds...); !bytes.Equal(got, b) {
			t.Fatalf("round trip % x -> % x", b, got)
		}
	})
}

func TestGetDescriptors(t *testing.T) {
	env := tlsServer(t, nil)
	c := dial(t, env.addr, "hislip0", trusting())
	ds, err := c.Descriptors(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || !slices.Contains(ds[0].TLSVersions(), tls.VersionTLS13) || string(ds[1].Data) != "TLS 1.3" || string(ds[2].Data) != "OK" {
		t.Fatalf("%+v", ds)
	}
	// On the sync channel too.
	sc, _, sr, _, _ := rawSession(t, env.addr, Version20)
	if _, err := sc.Write(AppendMessage(nil, MsgGetDescriptors, 0, 0, nil)); err != nil {
		t.Fatal(err)
	}
	m := expect(t, sr, MsgGetDescriptorsResponse, 0)
	if ds, err := ParseDescriptors(m.Payload); err != nil || len(ds) != 3 || len(ds[1].Data) != 0 {
		t.Fatalf("clear-text session: %v %+v", err, ds)
	}
	c10 := dial(t, env.addr, "hislip0", WithVersion(Version10))
	if _, err := c10.Descriptors(ctxT(t, 5*time.Second)); !errors.Is(err, transport.ErrNotSupported) {
		t.Fatalf("1.0: %v", err)
	}
}
