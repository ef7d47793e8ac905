package sim

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var bundled embed.FS

// DefaultFile is the name of the bundled default definition file, loaded by
// "@sim" and by `bundled: true` resources that name no file.
const DefaultFile = "default.yaml"

// maxFileSize bounds a definition file (and each file it includes).
const maxFileSize = 16 << 20

// LoadFile loads a pyvisa-sim definition file (spec 1.0 or 1.1, with the
// optional govisa extension keys). Files named by `filename:` in resources
// and bases are read relative to it. Mistakes are reported as a
// *DefinitionError with the file, the line and the reason.
func LoadFile(name string) (*Definitions, error) {
	l := newLoader()
	return l.top(name, false)
}

// LoadDefault loads the bundled default set (see DefaultFile).
func LoadDefault() (*Definitions, error) {
	l := newLoader()
	return l.top(DefaultFile, true)
}

// Load parses definitions held in memory; name is used in error messages
// and to resolve relative includes.
func Load(name string, data []byte) (*Definitions, error) {
	l := newLoader()
	l.files[fileKey{name, false}] = nil // placeholder so top reads data
	root, err := l.parse(name, data)
	if err != nil {
		return nil, err
	}
	l.files[fileKey{name, false}] = root
	return l.top(name, false)
}

type fileKey struct {
	name    string
	bundled bool
}

type rawFile struct {
	key     fileKey
	spec    string
	devices map[string]*yaml.Node // device name -> definition node
	devKeys map[string]*yaml.Node
	res     *yaml.Node // resources mapping (nil when absent)
}

type loader struct {
	files map[fileKey]*rawFile
	devs  map[string]*DeviceDef // fileKey.name + "\x00" + device name
	busy  map[string]bool       // bases being resolved (cycle detection)
}

func newLoader() *loader {
	return &loader{files: map[fileKey]*rawFile{}, devs: map[string]*DeviceDef{}, busy: map[string]bool{}}
}

func errAt(file string, n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &DefinitionError{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

// read loads and checks one file.
func (l *loader) read(k fileKey) (*rawFile, error) {
	if f := l.files[k]; f != nil {
		return f, nil
	}
	var data []byte
	var err error
	if k.bundled {
		data, err = fs.ReadFile(bundled, k.name)
	} else {
		data, err = readRegular(k.name)
	}
	if err != nil {
		return nil, &DefinitionError{File: k.name, Msg: "cannot read: " + err.Error()}
	}
	f, err := l.parse(k.name, data)
	if err != nil {
		return nil, err
	}
	f.key = k
	l.files[k] = f
	return f, nil
}

// parse checks the top level of a file: spec, devices, resources.
func (l *loader) parse(name string, data []byte) (*rawFile, error) {
	if len(data) > maxFileSize {
		return nil, &DefinitionError{File: name, Msg: fmt.Sprintf("file is %d bytes, more than the %d allowed", len(data), maxFileSize)}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringIndex(msg); m != nil && m[0] == 0 {
			msg = strings.TrimPrefix(msg[m[1]:], ": ")
		}
		return nil, &DefinitionError{File: name, Line: line, Msg: "malformed YAML: " + msg}
	}
	if len(doc.Content) == 0 {
		return nil, &DefinitionError{File: name, Line: 1, Msg: "empty file: a definition needs spec, devices and resources"}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(name, root, "the top level must be a mapping with spec, devices and resources")
	}
	f := &rawFile{key: fileKey{name: name}, devices: map[string]*yaml.Node{}, devKeys: map[string]*yaml.Node{}}
	var specNode *yaml.Node
	for _, kv := range pairs(root) {
		switch kv.k.Value {
		case "spec":
			specNode = kv.v
		case "devices":
			if kv.v.Kind != yaml.MappingNode {
				return nil, errAt(name, kv.v, "devices must be a mapping of device names to definitions")
			}
			for _, d := range pairs(kv.v) {
				if _, dup := f.devices[d.k.Value]; dup {
					return nil, errAt(name, d.k, "device %q is defined twice", d.k.Value)
				}
				f.devices[d.k.Value] = d.v
				f.devKeys[d.k.Value] = d.k
			}
		case "resources":
			if kv.v.Kind != yaml.MappingNode {
				return nil, errAt(name, kv.v, "resources must be a mapping of resource names to {device: ...}")
			}
			f.res = kv.v
		default:
			return nil, errAt(name, kv.k, "unknown top-level key %q (expected spec, devices, resources)", kv.k.Value)
		}
	}
	if specNode == nil {
		return nil, &DefinitionError{File: name, Line: root.Line, Msg: `the file does not give its spec version (add spec: "1.1")`}
	}
	major, minor, ok := parseSpecVersion(specNode.Value)
	if !ok || specNode.Kind != yaml.ScalarNode {
		return nil, errAt(name, specNode, "invalid spec version %q: expected X.Y with integers X and Y", specNode.Value)
	}
	if major != 1 || minor > 1 {
		return nil, errAt(name, specNode, "spec version %s is not supported (this loader reads 1.0 and 1.1)", specNode.Value)
	}
	f.spec = specNode.Value
	return f, nil
}

func parseSpecVersion(s string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(s, ".")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	return x, y, err1 == nil && err2 == nil && x >= 0 && y >= 0
}

// top loads the file a resource manager or server starts from.
func (l *loader) top(name string, isBundled bool) (*Definitions, error) {
	f, err := l.read(fileKey{name, isBundled})
	if err != nil {
		return nil, err
	}
	defs := &Definitions{File: name, Spec: f.spec, Devices: map[string]*DeviceDef{}}
	// Every device of the file is checked, even one no resource uses, so
	// that a mistake does not wait until someone binds it.
	for _, dn := range sortedKeys(f.devices) {
		d, err := l.deviceRef(f, f.devKeys[dn], nil, false)
		if err != nil {
			return nil, err
		}
		defs.Devices[dn] = d
	}
	if f.res == nil {
		return defs, nil
	}
	seen := map[string]int{}
	for _, kv := range pairs(f.res) {
		rd, err := l.resource(f, kv.k, kv.v)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[strings.ToUpper(rd.Name)]; dup {
			return nil, errAt(name, kv.k, "resource %s is the same as the one on line %d", kv.k.Value, prev)
		}
		seen[strings.ToUpper(rd.Name)] = kv.k.Line
		defs.Resources = append(defs.Resources, rd)
		defs.Devices[rd.Device.Name] = rd.Device
	}
	return defs, nil
}

func (l *loader) resource(f *rawFile, k, v *yaml.Node) (*ResourceDef, error) {
	file := f.key.name
	iface, class, err := resourceKind(k.Value)
	if err != nil {
		return nil, errAt(file, k, "invalid resource name %q: %v", k.Value, err)
	}
	if v.Kind != yaml.MappingNode {
		return nil, errAt(file, v, "resource %s must be a mapping with a device key", k.Value)
	}
	rd := &ResourceDef{Name: k.Value, Interface: iface, Class: class, Line: k.Line}
	var devName, fileName *yaml.Node
	isBundled := false
	for _, kv := range pairs(v) {
		switch kv.k.Value {
		case "device":
			devName = kv.v
		case "filename":
			fileName = kv.v
		case "bundled":
			isBundled = truthy(kv.v.Value)
		case "channel_ids":
			if kv.v.Kind != yaml.MappingNode {
				return nil, errAt(file, kv.v, "channel_ids must map channel names to lists of ids")
			}
			rd.ChannelIDs = map[string][]string{}
			for _, c := range pairs(kv.v) {
				ids, err := stringList(file, c.v)
				if err != nil {
					return nil, err
				}
				rd.ChannelIDs[c.k.Value] = ids
			}
		default:
			return nil, errAt(file, kv.k, "unknown key %q in resource %s (expected device, filename, bundled, channel_ids)", kv.k.Value, k.Value)
		}
	}
	if devName == nil || devName.Value == "" {
		return nil, errAt(file, k, "resource %s does not name its device", k.Value)
	}
	d, err := l.deviceRef(f, devName, fileName, isBundled)
	if err != nil {
		return nil, err
	}
	rd.Device = d
	return rd, nil
}

// deviceRef resolves a device named in f, possibly in another file.
func (l *loader) deviceRef(f *rawFile, devName, fileName *yaml.Node, isBundled bool) (*DeviceDef, error) {
	src := f
	if fileName != nil || isBundled {
		var k fileKey
		switch {
		case isBundled && fileName == nil:
			k = fileKey{DefaultFile, true}
		case isBundled:
			k = fileKey{path.Clean(fileName.Value), true}
		case f.key.bundled:
			return nil, errAt(f.key.name, fileName, "a bundled file can only include other bundled files")
		default:
			k = fileKey{filepath.Join(filepath.Dir(f.key.name), fileName.Value), false}
		}
		var err error
		if src, err = l.read(k); err != nil {
			if de, ok := err.(*DefinitionError); ok && de.Line == 0 {
				return nil, errAt(f.key.name, fileName, "included file %s: %s", k.name, de.Msg)
			}
			return nil, err
		}
	}
	node, ok := src.devices[devName.Value]
	if !ok {
		return nil, errAt(f.key.name, devName, "unknown device %q in %s (defined: %s)", devName.Value, src.key.name, strings.Join(sortedKeys(src.devices), ", "))
	}
	key := src.key.name + "\x00" + devName.Value
	if d := l.devs[key]; d != nil {
		return d, nil
	}
	if l.busy[key] {
		return nil, errAt(f.key.name, devName, "device %q inherits from itself (bases cycle)", devName.Value)
	}
	l.busy[key] = true
	defer delete(l.busy, key)
	d, err := l.device(src, devName.Value, src.devKeys[devName.Value], node)
	if err != nil {
		return nil, err
	}
	l.devs[key] = d
	return d, nil
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "1", "y":
		return true
	}
	return false
}

type pair struct{ k, v *yaml.Node }

// pairs returns the key/value pairs of a mapping node, following aliases.
func pairs(n *yaml.Node) []pair {
	out := make([]pair, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		v := n.Content[i+1]
		for v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		out = append(out, pair{n.Content[i], v})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}

func scalar(file string, n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", errAt(file, n, "%s must be a single value", what)
	}
	return n.Value, nil
}

func stringList(file string, n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errAt(file, n, "expected a list")
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s, err := scalar(file, c, "a list item")
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// readRegular reads a regular file of at most maxFileSize bytes (a device
// file or a FIFO named as an include could block or never end).
func readRegular(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err == nil && len(data) > maxFileSize {
		err = fmt.Errorf("more than the %d bytes allowed", maxFileSize)
	}
	return data, err
}
