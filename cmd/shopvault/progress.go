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
// Hand-written rather than schollz/progressbar: that library's statistics
// alone are wider than 40 columns, it measures the width only of an
// *os.File, so this one can be tested at any width, and it imports
// net/http, whose package initialisation every process paid for (issue 16).
type progressBar struct {
	w     io.Writer
	width func() int
	now   func() time.Time
	start time.Time
	label string
	unit  progressUnit
	drawn bool // a line is on the terminal, not yet ended
}

// progressUnit is what a bar counts: items (customers, entries) or bytes
// (of an import file).
type progressUnit int

const (
	progressItems progressUnit = iota
	progressBytes
)

func newProgressBar(env *Env, label string) *progressBar {
	width := env.TermWidth
	if width == nil {
		width = func() int { return 80 }
	}
	return &progressBar{w: env.ErrOut, width: width, now: env.Now, start: env.Now(), label: label}
}

// update redraws the line; total <= 0 is streaming work (no total known).
func (p *progressBar) update(done, total int) {
	line := progressLine(p.label, p.unit, done, total, p.now().Sub(p.start), p.width())
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
// label and percentage always, then as room allows the count, the rate
// (for bytes), the time left and a bar of up to 30 cells.
func progressLine(label string, unit progressUnit, done, total int, elapsed time.Duration, width int) string {
	room := max(width-1, 1) // writing the last column makes some terminals wrap
	fit := func(s string) string {
		if r := []rune(s); len(r) > room {
			return string(r[:room])
		}
		return s
	}
	rate := float64(done) / max(elapsed.Seconds(), 0.001)
	if total <= 0 {
		if unit == progressBytes {
			return fit(fmt.Sprintf("%s %s  %s/s", label, megabytes(done), megabytes(int(rate))))
		}
		return fit(fmt.Sprintf("%s %d  %.0f/s", label, done, rate))
	}
	done = min(max(done, 0), total)
	line := fmt.Sprintf("%s %3d%%", label, done*100/total)
	// counts are padded to the total's width: the layout stays put
	extras := []string{fmt.Sprintf(" %*d/%d", len(fmt.Sprint(total)), done, total)}
	if unit == progressBytes {
		size := megabytes(total)
		extras = []string{
			fmt.Sprintf(" %*s/%s", len(size)-len(" MB"), strings.TrimSuffix(megabytes(done), " MB"), size),
			fmt.Sprintf(" %s/s", megabytes(int(rate))),
		}
	}
	if done > 0 {
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		extras = append(extras, fmt.Sprintf(" eta %s", left.Round(time.Second)))
	}
	for _, extra := range extras {
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

// megabytes writes a byte count as people read file sizes (decimal MB,
// one decimal).
func megabytes(n int) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// progressReader redraws a bar measured in bytes as a file is read, at
// most five times a second (and on the first read, so even a short import
// shows where it is).
type progressReader struct {
	r           io.Reader
	bar         *progressBar
	done, total int
	drawnAt     time.Time
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += n
	if now := p.bar.now(); p.done < p.total && (!p.bar.drawn || now.Sub(p.drawnAt) >= 200*time.Millisecond) {
		p.drawnAt = now
		p.bar.update(p.done, p.total)
	}
	return n, err
}
