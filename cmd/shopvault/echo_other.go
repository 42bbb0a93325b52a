//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// echoOff: term.ReadPassword alone hides the input here.
func echoOff(int) bool { return false }
