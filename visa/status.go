package visa

import "fmt"

// Status is a VISA completion code (ViStatus). Non-negative values report
// success, possibly with information (VI_SUCCESS_TERM_CHAR,
// VI_SUCCESS_MAX_CNT) or a warning; negative values are errors. A Status is
// itself an error value, so a sentinel such as VI_ERROR_TMO (or its alias
// ErrTimeout) matches a returned *Error with errors.Is.
type Status int32

// IsError reports whether s is an error code (negative).
func (s Status) IsError() bool { return s < 0 }

// IsWarning reports whether s is a warning code (VI_WARN_*).
func (s Status) IsWarning() bool {
	n, ok := statusNames[s]
	return ok && len(n) > 8 && n[:8] == "VI_WARN_"
}

// Name returns the VISA name of s ("VI_ERROR_TMO"), or a hex form for codes
// VISA does not define.
func (s Status) Name() string {
	if n, ok := statusNames[s]; ok {
		return n
	}
	return fmt.Sprintf("VI_STATUS_0x%08X", uint32(s))
}

// Hex returns the code in the 0xBFFF0015 form used by VISA documentation.
func (s Status) Hex() string { return fmt.Sprintf("0x%08X", uint32(s)) }

// String returns "VI_ERROR_TMO (0xBFFF0015)".
func (s Status) String() string { return s.Name() + " (" + s.Hex() + ")" }

// Error makes a Status usable as an error value.
func (s Status) Error() string {
	if d := s.Description(); d != "" {
		return s.Name() + ": " + d
	}
	return s.Name()
}
