package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/govisa/govisa/sim/simserve"
	"github.com/govisa/govisa/transport/discovery"
	"github.com/govisa/govisa/transport/hislip"
	"github.com/govisa/govisa/visa"
)

// secureFlags are the HiSLIP 2.0 secure-connection flags of `serve`.
type secureFlags struct {
	cert, key, users string
	requireTLS       bool
}

func (f *secureFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.cert, "tls-cert", "", "HiSLIP 2.0: PEM certificate file of the server (with --tls-key)")
	fs.StringVar(&f.key, "tls-key", "", "HiSLIP 2.0: PEM private key file of the server")
	fs.BoolVar(&f.requireTLS, "require-tls", false, "HiSLIP 2.0: refuse clear-text sessions (encryption mandatory)")
	fs.StringVar(&f.users, "sasl-users", "", `HiSLIP 2.0: file of "user:password" lines; clients must authenticate (SCRAM-SHA-256, or PLAIN over TLS)`)
}

// configure returns the HiSLIP server configuration the flags ask for, or
// nil when none was asked for.
func (f *secureFlags) configure() (func(*hislip.Server), error) {
	if f.cert == "" && f.key == "" && f.users == "" && !f.requireTLS {
		return nil, nil
	}
	var apply []func(*hislip.Server)
	if f.cert != "" || f.key != "" {
		cfg, err := hislip.LoadTLSConfig(f.cert, f.key)
		if err != nil {
			return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		apply = append(apply, func(s *hislip.Server) { s.TLSConfig = cfg })
	} else if f.requireTLS {
		return nil, errors.New("--require-tls needs --tls-cert and --tls-key")
	}
	if f.requireTLS {
		apply = append(apply, func(s *hislip.Server) { s.RequireEncryption = true })
	}
	if f.users != "" {
		users, err := readUsers(f.users)
		if err != nil {
			return nil, err
		}
		pw := hislip.StaticPasswords(users)
		apply = append(apply, func(s *hislip.Server) { s.Password = pw; s.RequireAuthentication = true })
	}
	return func(s *hislip.Server) {
		for _, a := range apply {
			a(s)
		}
	}, nil
}

// readUsers reads "user:password" lines; blank lines and lines starting
// with # are skipped. Passwords are never printed.
func readUsers(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--sasl-users: %w", err)
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("--sasl-users: %s:%d: want user:password", path, n)
		}
		users[user] = pass
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--sasl-users: %w", err)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("--sasl-users: %s holds no user", path)
	}
	return users, nil
}

// announce publishes the served network resources by DNS-SD on the given
// interfaces (comma-separated) until ctx ends or the returned function is
// called.
func announce(ctx context.Context, ifaces string, served []simserve.Served) (func(), error) {
	var services []discovery.Service
	seen := map[string]bool{}
	for _, sv := range served {
		rn, err := visa.ParseResourceName(sv.Name)
		if err != nil || rn.Interface != visa.VI_INTF_TCPIP {
			continue
		}
		var s discovery.Service
		instance := "govisa " + rn.LANDevice
		switch {
		case rn.Class == visa.ClassSOCKET:
			s = discovery.SocketService("govisa socket "+strconv.Itoa(rn.Port), rn.Port)
		case rn.HiSLIP:
			s = discovery.HiSLIPService(instance, rn.Port, rn.LANDevice)
		case rn.PortGiven:
			s = discovery.VXI11Service(instance, rn.Port)
		default:
			s = discovery.VXI11Service(instance, 111)
		}
		if key := s.Type + s.Instance; !seen[key] {
			seen[key] = true
			services = append(services, s)
		}
	}
	if len(services) == 0 {
		return func() {}, nil
	}
	a, err := discovery.Announce(ctx, services, discovery.AnnounceOptions{Interfaces: strings.Split(ifaces, ",")})
	if err != nil {
		return nil, fmt.Errorf("--mdns: %w", err)
	}
	return func() { a.Close() }, nil
}
