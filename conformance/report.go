package conformance

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Table prints the report as a human-readable table: one line per check
// with its outcome and, for failures and checks that did not apply, why.
func (r Report) Table(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "resource:\t%s\n", r.Resource)
	if r.Identity != "" {
		fmt.Fprintf(tw, "identity:\t%s\n", r.Identity)
	}
	if r.Interface != "" {
		fmt.Fprintf(tw, "kind:\t%s %s\n", r.Interface, r.Class)
	}
	fmt.Fprintf(tw, "features:\t%s\n", orNone(r.Features))
	if r.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", r.Error)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "CHECK\tRESULT\tTIME\tDETAIL")
	for _, res := range r.Results {
		d := ""
		if res.Outcome != NotApplicable {
			d = res.Duration.Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Check, strings.ToUpper(string(res.Outcome)), d, oneLine(res.Reason))
	}
	pass, fail, na := r.Counts()
	fmt.Fprintf(tw, "\n%d passed, %d failed, %d not applicable\n", pass, fail, na)
	return tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// oneLine keeps a reason on one table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
