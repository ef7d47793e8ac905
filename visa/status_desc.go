package visa

// Description returns the VPP-4.3 description of s, or "" if none is known.
func (s Status) Description() string { return statusDescriptions[s] }

// statusDescriptions holds the VPP-4.3 text for each code.
var statusDescriptions = map[Status]string{
	VI_SUCCESS:             "Operation completed successfully.",
	VI_SUCCESS_TERM_CHAR:   "The specified termination character was read.",
	VI_SUCCESS_MAX_CNT:     "The number of bytes read is equal to the input count.",
	VI_ERROR_TMO:           "Timeout expired before operation completed.",
	VI_ERROR_NSUP_OPER:     "The given session or object reference does not support this operation.",
	VI_ERROR_CONN_LOST:     "The connection for the given session has been lost.",
	VI_ERROR_INV_RSRC_NAME: "Invalid resource reference specified. Parsing error.",
}
