// Command hello is the yardstick for start-up: a Go "hello world" built and
// started the same way as shopvault in the same bench run.
package main

import "fmt"

func main() { fmt.Println("hello") }
