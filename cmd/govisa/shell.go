package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/govisa/govisa/visa"
)

// shell is `govisa shell`: pyvisa-shell's commands over one resource
// manager. It reads lines from a terminal with editing, history and
// completion, or plain lines from a pipe for scripting.
type shell struct {
	ctx    context.Context
	rm     *visa.ResourceManager
	res    *visa.Resource
	out    io.Writer
	errw   io.Writer
	listed []string // the last list, for "open N" and completion
	failed bool
}

type shellCmd struct {
	name, args, help string
	run              func(s *shell, arg string) error
}

// shellCmds is filled in init: help refers to it.
var shellCmds []shellCmd

func init() {
	shellCmds = []shellCmd{
		{"list", "[QUERY]", "list the resources the backend finds (default ?*::INSTR)", (*shell).cmdList},
		{"open", "RESOURCE|N", "open a resource by name or by its number in the last list", (*shell).cmdOpen},
		{"close", "", "close the open resource", (*shell).cmdClose},
		{"write", "TEXT", "write TEXT with the write termination", (*shell).cmdWrite},
		{"read", "", "read one response", (*shell).cmdRead},
		{"query", "TEXT", "write TEXT and read the response", (*shell).cmdQuery},
		{"timeout", "[MS|none]", "show or set the I/O timeout in milliseconds (none: infinite)", (*shell).cmdTimeout},
		{"attr", "[NAME [VALUE]]", "show all attributes, or get or set one (VI_ATTR_TMO_VALUE, tmo_value, ...)", (*shell).cmdAttr},
		{"termchar", "[READ [WRITE]]", "show or set the read and write terminations (CR, LF, CRLF, NUL, none or \\-escaped text)", (*shell).cmdTermchar},
		{"help", "[COMMAND]", "list the commands", (*shell).cmdHelp},
		{"exit", "", "leave the shell (also quit, EOF)", nil},
	}
}

func runShell(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shell", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf rmFlags
	rf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	rm, err := rf.open(stderr)
	if err != nil {
		return err
	}
	defer rm.Close()
	s := &shell{ctx: ctx, rm: rm, out: stdout, errw: stderr}
	defer s.closeRes()
	interactive := isTerminal(os.Stdin) && isTerminal(stdout)
	if interactive {
		if restore, err := makeRaw(os.Stdin); err == nil {
			defer restore()
			fmt.Fprint(stdout, "Welcome to the govisa shell. Type help or ? to list commands.\r\n\r\n")
			ed := newLineEditor(os.Stdin, stdout, s.complete)
			s.out = crlfWriter{stdout}
			s.errw = crlfWriter{stderr}
			for {
				line, err := ed.readLine(s.prompt())
				if errors.Is(err, errInterrupt) {
					continue
				}
				if err != nil {
					return nil
				}
				ed.addHistory(strings.TrimSpace(line))
				if s.exec(line) {
					return nil
				}
			}
		}
	}
	// A pipe (or a terminal we cannot drive): plain lines, no prompt.
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if s.exec(sc.Text()) {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if s.failed {
		return errors.New("a command failed")
	}
	return nil
}

// crlfWriter turns "\n" into "\r\n" while the terminal is in raw mode.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	_, err := io.WriteString(c.w, strings.ReplaceAll(string(p), "\n", "\r\n"))
	return len(p), err
}

func (s *shell) prompt() string {
	if s.res != nil {
		return "(" + s.res.Name() + ") "
	}
	return "(visa) "
}

// exec runs one line and reports whether the shell should exit.
func (s *shell) exec(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || strings.HasPrefix(line, "#") {
		return false
	}
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	name = strings.ToLower(name)
	switch name {
	case "exit", "quit", "eof":
		return true
	case "?":
		name = "help"
	}
	for _, c := range shellCmds {
		if c.name == name && c.run != nil {
			if err := c.run(s, arg); err != nil {
				s.failed = true
				fmt.Fprintln(s.errw, "error:", err)
			}
			return false
		}
	}
	s.failed = true
	fmt.Fprintf(s.errw, "error: unknown command %q (type help)\n", name)
	return false
}

func (s *shell) closeRes() {
	if s.res != nil {
		_ = s.res.Close()
		s.res = nil
	}
}

func (s *shell) need() (*visa.Resource, error) {
	if s.res == nil {
		return nil, errors.New("no resource is open: use open first")
	}
	return s.res, nil
}

func (s *shell) cmdHelp(arg string) error {
	tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
	for _, c := range shellCmds {
		if arg == "" || arg == c.name {
			fmt.Fprintf(tw, "%s %s\t%s\n", c.name, c.args, c.help)
		}
	}
	return tw.Flush()
}

func (s *shell) cmdList(arg string) error {
	q := "?*::INSTR"
	if arg != "" {
		q = arg
	}
	names, err := s.rm.ListResources(s.ctx, q)
	if err != nil && !errors.Is(err, visa.ErrResourceNFound) {
		return err
	}
	s.listed = names
	if len(names) == 0 {
		fmt.Fprintln(s.out, "no resources found")
	}
	for i, n := range names {
		fmt.Fprintf(s.out, "(%2d) %s\n", i, n)
	}
	return nil
}

func (s *shell) cmdOpen(arg string) error {
	if arg == "" {
		return errors.New("usage: open RESOURCE|N")
	}
	if i, err := strconv.Atoi(arg); err == nil {
		if i < 0 || i >= len(s.listed) {
			return fmt.Errorf("no resource %d in the last list (run list)", i)
		}
		arg = s.listed[i]
	}
	s.closeRes()
	r, err := s.rm.OpenResource(s.ctx, arg)
	if err != nil {
		return err
	}
	s.res = r
	fmt.Fprintf(s.out, "%s has been opened.\nYou can talk to the device using \"write\", \"read\" or \"query\".\nThe default end of message is added to each message.\n", r.Name())
	return nil
}

func (s *shell) cmdClose(string) error {
	if _, err := s.need(); err != nil {
		return err
	}
	s.closeRes()
	fmt.Fprintln(s.out, "The resource has been closed.")
	return nil
}

func (s *shell) cmdWrite(arg string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	_, err = r.Write(s.ctx, arg)
	return err
}

func (s *shell) cmdRead(string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	v, err := r.Read(s.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.out, v)
	return nil
}

func (s *shell) cmdQuery(arg string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	v, err := r.Query(s.ctx, arg)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "Response: %s\n", v)
	return nil
}

func (s *shell) cmdTimeout(arg string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	if arg != "" {
		d := time.Duration(-1)
		if !strings.EqualFold(arg, "none") && !strings.EqualFold(arg, "inf") {
			ms, err := strconv.ParseUint(arg, 10, 32)
			if err != nil {
				return fmt.Errorf("timeout %q: give milliseconds or none", arg)
			}
			d = time.Duration(ms) * time.Millisecond
		}
		if err := r.SetTimeout(d); err != nil {
			return err
		}
	}
	if t := r.Timeout(); t < 0 {
		fmt.Fprintln(s.out, "Timeout: infinite")
	} else {
		fmt.Fprintf(s.out, "Timeout: %d ms\n", t.Milliseconds())
	}
	return nil
}

func (s *shell) cmdAttr(arg string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	if arg == "" {
		class := visa.ClassINSTR
		if info, err := r.Info(); err == nil {
			class = info.ResourceClass
		}
		tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "VISA name\tConstant\tType\tAccess\tValue")
		for _, a := range visa.Attrs() {
			if a.IsEvent() {
				continue
			}
			v, err := r.GetAttribute(a.ID)
			if err != nil {
				continue // not an attribute of this session
			}
			access := "RW"
			if a.ReadOnlyIn(class) {
				access = "RO"
			}
			fmt.Fprintf(tw, "%s\t0x%08X\t%s\t%s\t%s\n", a.Name, uint32(a.ID), a.Type, access, formatAttr(v))
		}
		return tw.Flush()
	}
	name, val, set := strings.Cut(arg, " ")
	info, ok := visa.LookupAttrName(name)
	if !ok {
		return fmt.Errorf("unknown attribute %q", name)
	}
	if set {
		v, err := parseAttr(info, strings.TrimSpace(val))
		if err != nil {
			return err
		}
		if err := r.SetAttribute(info.ID, v); err != nil {
			return err
		}
		fmt.Fprintln(s.out, "Done")
		return nil
	}
	v, err := r.GetAttribute(info.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "%s: %s\n", info.Name, formatAttr(v))
	return nil
}

func formatAttr(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case bool:
		if x {
			return "VI_TRUE"
		}
		return "VI_FALSE"
	}
	return fmt.Sprint(v)
}

func parseAttr(info visa.AttrInfo, s string) (any, error) {
	switch info.Type {
	case visa.AttrString:
		if u, err := strconv.Unquote(s); err == nil {
			return u, nil
		}
		return s, nil
	case visa.AttrBool:
		switch strings.ToLower(s) {
		case "1", "true", "vi_true", "on":
			return true, nil
		case "0", "false", "vi_false", "off":
			return false, nil
		}
		return nil, fmt.Errorf("%s is a boolean: give true or false", info.Name)
	}
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return n, nil
	}
	if n, err := strconv.ParseUint(s, 0, 64); err == nil {
		return n, nil
	}
	return nil, fmt.Errorf("%s is a %s: %q is not a number", info.Name, info.Type, s)
}

var termNames = map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NUL": "\x00", "NONE": ""}

func termName(t string) string {
	for k, v := range termNames {
		if v == t {
			return k
		}
	}
	return strconv.Quote(t)
}

func parseTerm(s string) (string, error) {
	if v, ok := termNames[strings.ToUpper(s)]; ok {
		return v, nil
	}
	u, err := strconv.Unquote(`"` + s + `"`)
	if err != nil {
		return "", fmt.Errorf("termination %q: give CR, LF, CRLF, NUL, none or \\-escaped text", s)
	}
	return u, nil
}

func (s *shell) cmdTermchar(arg string) error {
	r, err := s.need()
	if err != nil {
		return err
	}
	if f := strings.Fields(arg); len(f) > 0 {
		rt, err := parseTerm(f[0])
		if err != nil {
			return err
		}
		wt := rt
		if len(f) > 1 {
			if wt, err = parseTerm(f[1]); err != nil {
				return err
			}
		}
		if err := r.SetReadTermination(rt); err != nil {
			return err
		}
		r.SetWriteTermination(wt)
	}
	fmt.Fprintf(s.out, "Termchar read: %s write: %s\n", termName(r.ReadTermination()), termName(r.WriteTermination()))
	return nil
}

// complete offers completions of the line up to the cursor: command names,
// then resource names after open and attribute names after attr.
func (s *shell) complete(head string) []string {
	name, arg, more := strings.Cut(head, " ")
	if !more {
		var out []string
		for _, c := range shellCmds {
			if strings.HasPrefix(c.name, strings.ToLower(name)) {
				out = append(out, c.name)
			}
		}
		return out
	}
	var pool []string
	switch strings.ToLower(name) {
	case "open":
		pool = append(pool, s.listed...)
		if names, err := s.rm.ListResources(s.ctx, "?*"); err == nil {
			pool = append(pool, names...)
		}
	case "attr":
		if strings.Contains(arg, " ") {
			return nil
		}
		for _, a := range visa.Attrs() {
			if !a.IsEvent() {
				pool = append(pool, a.Name)
			}
		}
	case "termchar":
		for k := range termNames {
			pool = append(pool, k)
		}
	default:
		return nil
	}
	sort.Strings(pool)
	var out []string
	seen := map[string]bool{}
	for _, p := range pool {
		if !seen[p] && strings.HasPrefix(strings.ToUpper(p), strings.ToUpper(arg)) {
			seen[p] = true
			out = append(out, name+" "+p)
		}
	}
	return out
}
