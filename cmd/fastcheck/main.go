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
	var cmds []command
	for _, c := range cliCommands() {
		cmds = append(cmds, command{c.name, c.summary, func(args []string) int { return runCLI(c, args) }})
	}
	return append(cmds,
		command{"wallet", "open the wallet (the same as fastcheck with no arguments)", cmdWallet},
		command{"demo", "the whole system on this machine: embedded server, demo users, the wallet", cmdDemo},
		command{"server", "run the reference server (and `server audit`)", cmdServer},
		command{"phone", "act as the phone app: register an identity, approve a login", cmdPhone},
		command{"ssh", "serve the wallet over SSH: a wallet of their own for every visitor", cmdSSH},
		command{"briacoin-sim", "run a Briacoin service simulator (and `briacoin-sim pay`)", cmdBriacoinSim},
	)
}

func run(args []string) int {
	if len(args) == 0 {
		if isTerminal(os.Stdin) && isTerminal(os.Stdout) {
			return cmdWallet(nil)
		}
		usage(os.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		usage(os.Stdout)
		return exitOK
	case "help":
		if len(args) > 1 { // fastcheck help CMD is fastcheck CMD --help
			return run([]string{args[1], "--help"})
		}
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
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every wallet command takes --json (machine-readable output only), --profile NAME")
	fmt.Fprintln(w, "and --server URL. Exit codes: 0 ok, 1 error, 2 usage, 3 not logged in,")
	fmt.Fprintln(w, "4 not found or wrong code.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'fastcheck <command> --help' for a command's flags and examples.")
}
