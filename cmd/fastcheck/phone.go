package main

import (
	"fmt"
	"os"
)

func cmdPhone(args []string) int {
	fmt.Fprintln(os.Stderr, "fastcheck phone: not yet")
	return exitError
}
