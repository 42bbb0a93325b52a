//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import "golang.org/x/sys/unix"

// echoOff stops the terminal echoing before the prompt is shown, so what
// is typed (or pasted) the moment the prompt appears is never echoed; the
// caller restores the saved state afterwards. It sets the mode
// term.ReadPassword would (lines, Ctrl-C, Enter ends the line) and says
// whether it did: then the caller reads the line itself, and the state the
// Ctrl-C handler restores is the last one written.
func echoOff(fd int) bool {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return false // not a terminal we can control; term.ReadPassword still hides input it reads
	}
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	t.Iflag |= unix.ICRNL
	return unix.IoctlSetTermios(fd, ioctlSetTermios, t) == nil
}
