// Package words says counts and lists in plain English for messages and
// output: "1 customer", "3 customers", "name, phone and email". It is
// shared by cmd, vault and export so that no message says "field(s)".
package words

import (
	"strconv"
	"strings"
)

// Count says n of a noun: "1 customer", "0 customers", "3 index entries".
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Plural(n, noun)
}

// Plural is noun for one and its plural for any other count, by the
// regular English rules: entry → entries, alias → aliases, row → rows.
func Plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	switch {
	case strings.HasSuffix(noun, "y") && len(noun) > 1 && !strings.ContainsRune("aeiou", rune(noun[len(noun)-2])):
		return noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "s"), strings.HasSuffix(noun, "x"), strings.HasSuffix(noun, "ch"), strings.HasSuffix(noun, "sh"):
		return noun + "es"
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
