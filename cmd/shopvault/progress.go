package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar draws a long operation's progress (rotate, purge, a stdin
// import) on one terminal line. It is redrawn in place — carriage return,
// then clear to the end of the line — and never as wide as the terminal,
// so a narrow window does not wrap it into a new line at every update.
//
// Hand-written rather than schollz/progressbar (which import uses for its
// byte-measured bar): that library's statistics alone are wider than 40
// columns, and it measures the width only of an *os.File, so this one
// can be tested at any width.
type progressBar struct {
	w     io.Writer
	width func() int
	now   func() time.Time
	start time.Time
	label string
	drawn bool // a line is on the terminal, not yet ended
}

func newProgressBar(env *Env, label string) *progressBar {
	width := env.TermWidth
	if width == nil {
		width = func() int { return 80 }
	}
	return &progressBar{w: env.ErrOut, width: width, now: env.Now, start: env.Now(), label: label}
}

// update redraws the line; total <= 0 is streaming work (no total known).
func (p *progressBar) update(done, total int) {
	line := progressLine(p.label, done, total, p.now().Sub(p.start), p.width())
	fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	p.drawn = true
	if total > 0 && done >= total {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// clear removes a bar still on the terminal, so what is printed next
// (the result, or why it stopped) starts on a clean line.
func (p *progressBar) clear() {
	if p == nil || !p.drawn {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
	p.drawn = false
}

// progressLine is the text of the bar in fewer than width columns: the
// label and percentage always, then as room allows the count, the time
// left and a bar of up to 30 cells.
func progressLine(label string, done, total int, elapsed time.Duration, width int) string {
	room := max(width-1, 1) // writing the last column makes some terminals wrap
	fit := func(s string) string {
		if r := []rune(s); len(r) > room {
			return string(r[:room])
		}
		return s
	}
	rate := float64(done) / max(elapsed.Seconds(), 0.001)
	if total <= 0 {
		return fit(fmt.Sprintf("%s %d  %.0f/s", label, done, rate))
	}
	done = min(max(done, 0), total)
	line := fmt.Sprintf("%s %3d%%", label, done*100/total)
	for _, extra := range []string{
		fmt.Sprintf(" %*d/%d", len(fmt.Sprint(total)), done, total), // padded: the layout stays put
		fmt.Sprintf(" eta %s", (time.Duration(float64(total-done)/max(rate, 1)) * time.Second).Round(time.Second)),
	} {
		if len([]rune(line))+len(extra) <= room {
			line += extra
		}
	}
	if cells := min(room-len([]rune(line))-3, 30); cells >= 5 {
		filled := done * cells / total
		line = strings.Replace(line, "%", "% ["+strings.Repeat("#", filled)+strings.Repeat(".", cells-filled)+"]", 1)
	}
	return fit(line)
}
