package visa

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Aliases maps names a user chose ("scope", "psu-left") to resource names,
// as the alias tables of vendor VISA (NI MAX, Keysight Connection Expert)
// do: viOpen and viParseRsrcEx accept an alias wherever a resource name is
// expected, matched without regard to case, and viParseRsrcEx reports the
// alias of a resource that has one. A name that parses as a resource name
// is always taken as one, so an alias cannot hide a resource.
//
// Besides the entries of the table, COMn (n ≥ 1) stands for ASRLn::INSTR,
// as in NI-VISA, unless the table says otherwise.
//
// The zero value is an empty table. An Aliases is safe for concurrent
// reads once built; build it before handing it to [ConnLibrary.SetAliases].
type Aliases struct {
	byName map[string]aliasEntry // key: strings.ToLower(alias)
	byRsrc map[string]string     // canonical resource name → alias
}

type aliasEntry struct {
	alias string
	rsrc  ResourceName
}

// AliasesEnv names the environment variable that points at the alias file
// (see [DefaultAliasFile]).
const AliasesEnv = "GOVISA_ALIASES"

// DefaultAliasFile returns where the default alias table is read from:
// $GOVISA_ALIASES when set, otherwise "govisa/aliases" in the user's
// configuration directory (os.UserConfigDir: ~/.config on Linux,
// ~/Library/Application Support on macOS, %AppData% on Windows).
func DefaultAliasFile() string {
	if p := os.Getenv(AliasesEnv); p != "" {
		return p
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "govisa", "aliases")
}

// LoadAliases reads an alias file. A missing file is an empty table, not
// an error: most machines have none.
//
// The format is one alias per line, "alias = resource", with blank lines
// and lines starting with # or ; ignored:
//
//	# bench 3
//	scope = TCPIP0::192.168.1.20::hislip0::INSTR
//	dmm   = USB0::0x2A8D::0x0101::MY57700123::INSTR
func LoadAliases(path string) (*Aliases, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Aliases{}, nil
	}
	if err != nil {
		return nil, &Error{Status: VI_ERROR_FILE_ACCESS, Op: "load aliases", Err: err}
	}
	defer f.Close()
	return ParseAliases(f, path)
}

// maxAliasFile bounds what ParseAliases reads: alias tables are a few
// lines, and a file the size of a disk must not become memory.
const maxAliasFile = 1 << 20

// ParseAliases reads an alias table in the format of [LoadAliases]. source
// names the input in error messages (file:line).
func ParseAliases(r io.Reader, source string) (*Aliases, error) {
	a := &Aliases{}
	sc := bufio.NewScanner(io.LimitReader(r, maxAliasFile+1))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	read := 0
	for line := 1; sc.Scan(); line++ {
		read += len(sc.Bytes()) + 1
		if read > maxAliasFile {
			return nil, aliasErr(source, line, "file larger than 1 MiB")
		}
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		name, rsrc, ok := strings.Cut(text, "=")
		if !ok {
			return nil, aliasErr(source, line, `expected "alias = resource"`)
		}
		if err := a.Add(strings.TrimSpace(name), strings.TrimSpace(rsrc)); err != nil {
			return nil, aliasErr(source, line, err.Error())
		}
	}
	if err := sc.Err(); err != nil {
		return nil, &Error{Status: VI_ERROR_FILE_ACCESS, Op: "load aliases", Msg: source, Err: err}
	}
	return a, nil
}

func aliasErr(source string, line int, msg string) error {
	return &Error{Status: VI_ERROR_INV_SETUP, Op: "load aliases", Msg: fmt.Sprintf("%s:%d: %s", source, line, msg)}
}

// Add maps alias to resource. The alias must not be empty, contain "::",
// spaces or control characters, or parse as a resource name itself (it could
// never be reached); resource must be a valid resource name. Adding an
// alias that exists (in any case) replaces it.
func (a *Aliases) Add(alias, resource string) error {
	switch {
	case alias == "":
		return errors.New("empty alias")
	case strings.Contains(alias, "::"):
		return fmt.Errorf("alias %q contains \"::\"", alias)
	case strings.IndexFunc(alias, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("alias %q contains a space or control character", alias)
	}
	if _, err := ParseResourceName(alias); err == nil {
		return fmt.Errorf("alias %q is itself a resource name", alias)
	}
	rn, err := ParseResourceName(resource)
	if err != nil {
		return fmt.Errorf("alias %q: %w", alias, err)
	}
	if a.byName == nil {
		a.byName, a.byRsrc = map[string]aliasEntry{}, map[string]string{}
	}
	key := strings.ToLower(alias)
	old, replaced := a.byName[key]
	a.byName[key] = aliasEntry{alias: alias, rsrc: rn}
	if replaced && a.byRsrc[old.rsrc.String()] == old.alias {
		// The resource it named may have other aliases; report one of them.
		delete(a.byRsrc, old.rsrc.String())
		for _, n := range a.Names() {
			if e := a.byName[strings.ToLower(n)]; e.rsrc.String() == old.rsrc.String() {
				a.byRsrc[old.rsrc.String()] = e.alias
				break
			}
		}
	}
	if _, taken := a.byRsrc[rn.String()]; !taken {
		a.byRsrc[rn.String()] = alias // the first alias of a resource is the one reported
	}
	return nil
}

// Resolve returns the resource an alias stands for. It does not look at
// names that parse as resource names; the caller tries those first.
func (a *Aliases) Resolve(alias string) (ResourceName, bool) {
	if a != nil {
		if e, ok := a.byName[strings.ToLower(alias)]; ok {
			return e.rsrc, true
		}
	}
	if n, ok := comPort(alias); ok {
		if rn, err := ParseResourceName("ASRL" + itoa(n) + "::INSTR"); err == nil {
			return rn, true
		}
	}
	return ResourceName{}, false
}

// comPort recognises NI-VISA's built-in COMn aliases.
func comPort(s string) (int, bool) {
	if len(s) < 4 || len(s) > 6 || !strings.EqualFold(s[:3], "COM") {
		return 0, false
	}
	n := 0
	for _, c := range s[3:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && s[3] != '0'
}

// AliasOf returns the alias of a canonical resource name, or "".
func (a *Aliases) AliasOf(resource string) string {
	if a == nil {
		return ""
	}
	return a.byRsrc[resource]
}

// Names returns the aliases of the table (not the built-in COMn), sorted.
func (a *Aliases) Names() []string {
	if a == nil {
		return nil
	}
	out := make([]string, 0, len(a.byName))
	for _, e := range a.byName {
		out = append(out, e.alias)
	}
	sort.Strings(out)
	return out
}

// SetAliases replaces the alias table of l; nil leaves only the built-in
// COMn aliases. Without a call, l reads [DefaultAliasFile] the first time
// it meets a name that is not a resource name.
func (l *ConnLibrary) SetAliases(a *Aliases) {
	if a == nil {
		a = &Aliases{}
	}
	l.aliasOnce.Do(func() {})
	l.aliases.Store(a)
}

// Aliases returns l's alias table and the error of loading the default
// alias file, if that failed (l then has only the built-in aliases).
func (l *ConnLibrary) Aliases() (*Aliases, error) {
	l.loadAliases()
	return l.aliases.Load(), l.aliasErr
}

func (l *ConnLibrary) loadAliases() {
	l.aliasOnce.Do(func() {
		a := &Aliases{}
		if p := DefaultAliasFile(); p != "" {
			t, err := LoadAliases(p)
			if err != nil {
				l.aliasErr = err
				l.log.Warn("visa: alias file not used", "file", p, "err", err)
			} else {
				a = t
			}
		}
		l.aliases.Store(a)
	})
}

// resolveName parses name as a resource name, or else looks it up as an
// alias. The error is the parse error, which says what is wrong with name
// as a resource name, plus why the alias file was not read if it was not.
func (l *ConnLibrary) resolveName(name string) (ResourceName, error) {
	rn, err := ParseResourceName(name)
	if err == nil {
		return rn, nil
	}
	l.loadAliases()
	if r, ok := l.aliases.Load().Resolve(name); ok {
		return r, nil
	}
	if l.aliasErr != nil {
		var e *Error
		if errors.As(err, &e) {
			c := *e
			c.Msg += fmt.Sprintf(" (and not an alias: the alias file was not read: %v)", l.aliasErr)
			return ResourceName{}, &c
		}
	}
	return ResourceName{}, err
}
