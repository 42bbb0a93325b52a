// Package words says counts and lists in plain English for messages and
// output: "1 customer", "3 customers", "name, phone and email". It is
// shared by cmd, vault and export so that no message says "field(s)".
package words

import (
	"strconv"
	"strings"
)

// Count says n of a regular noun: "1 customer", "0 customers", "3 customers".
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Plural(n, noun)
}

// Plural is noun for one and noun+"s" for any other count.
func Plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Join lists xs as a sentence does: "a", "a and b", "a, b and c" (conj is
// "and" or "or").
func Join(xs []string, conj string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " " + conj + " " + xs[len(xs)-1]
}
