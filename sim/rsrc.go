package sim

import (
	"errors"
	"strings"
)

// resourceClasses are the VISA resource classes a name may end with.
var resourceClasses = []string{"INSTR", "SOCKET", "RAW", "INTFC", "BACKPLANE", "MEMACC", "SERVANT"}

// resourceKind tells the interface type and the class of a resource name
// without validating the rest: full parsing belongs to package visa, which
// package sim does not import (protocol packages' tests import sim, and visa
// imports the protocol packages). The @sim backend canonicalises names with
// visa.ParseResourceName.
func resourceKind(name string) (iface, class string, err error) {
	up := strings.ToUpper(strings.TrimSpace(name))
	if up == "" {
		return "", "", errors.New("empty name")
	}
	parts := strings.Split(up, "::")
	head := parts[0]
	i := len(head)
	for i > 0 && head[i-1] >= '0' && head[i-1] <= '9' {
		i--
	}
	iface = head[:i]
	switch iface {
	case "ASRL", "GPIB", "TCPIP", "USB", "VXI", "GPIB-VXI", "PXI", "VICP", "PRLGX-TCPIP", "PRLGX-ASRL":
	default:
		if strings.HasPrefix(up, "COM") {
			return "ASRL", "INSTR", nil
		}
		return "", "", errors.New("unknown interface type " + head)
	}
	class = "INSTR"
	if len(parts) > 1 {
		last := parts[len(parts)-1]
		for _, c := range resourceClasses {
			if last == c {
				class = c
			}
		}
	}
	if len(parts) == 1 && iface != "ASRL" {
		return "", "", errors.New("missing address after " + head)
	}
	return iface, class, nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
