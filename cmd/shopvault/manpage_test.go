package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Issue 16: man pages are rendered here (no Markdown renderer at start-up);
// text that looks like roff must print as text.
func TestRoffText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain", "plain"},
		{`C:\path`, `C:\epath`},
		{".TH injected", `\&.TH injected`},
		{"line\n'quote", "line\n\\&'quote"},
	} {
		if got := roffText(tt.in); got != tt.want {
			t.Errorf("roffText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestManPage(t *testing.T) {
	root := &cobra.Command{Use: "shopvault", Short: "root"}
	sub := &cobra.Command{Use: "purge", Short: "Apply rules", Long: "First.\n\nSecond.", Example: "  shopvault purge --apply", Run: func(*cobra.Command, []string) {}}
	sub.Flags().String("rules", "", "rules `FILE`")
	root.AddCommand(sub)
	page := manPage(sub)
	for _, want := range []string{`.TH "SHOPVAULT-PURGE" "1"`, `shopvault-purge \- Apply rules`, "First.\n.PP\nSecond.", `\fB\-\-rules\fP \fIFILE\fP`, ".SH EXAMPLE", `\fBshopvault\fP(1)`} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q:\n%s", want, page)
		}
	}
}
