//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import "golang.org/x/sys/unix"

// echoOff stops the terminal echoing before the prompt is shown, so what
// is typed (or pasted) the moment the prompt appears is never echoed; the
// caller restores the saved state afterwards.
func echoOff(fd int) {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return // not a terminal we can control; term.ReadPassword still hides input it reads
	}
	t.Lflag &^= unix.ECHO
	t.Lflag |= unix.ICANON | unix.ISIG
	_ = unix.IoctlSetTermios(fd, ioctlSetTermios, t) // best effort, as above
}
