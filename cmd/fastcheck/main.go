// Command fastcheck is the Fastcheck wallet, its CLI, the reference server
// and the phone that approves logins: one binary, thin over the packages.
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// Exit codes, documented in README.md.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNotLoggedIn = 3
	exitNotFound    = 4
)

type command struct {
	name, summary string
	run           func(args []string) int
}

func commands() []command {
	return []command{
		{"server", "run the reference server (and `server audit`)", cmdServer},
		{"phone", "act as the phone app: register an identity, approve a login", cmdPhone},
	}
}

func run(args []string) int {
	if len(args) == 0 {
		usage(os.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage(os.Stdout)
		return exitOK
	case "--version", "version":
		fmt.Println(versionString())
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "fastcheck: unknown command %q\n\n", args[0])
	usage(os.Stderr)
	return exitUsage
}

func usage(w *os.File) {
	fmt.Fprintln(w, "Usage: fastcheck <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'fastcheck <command> --help' for a command's flags and examples.")
}
