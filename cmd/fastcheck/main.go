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
		command{"wallet", tr.T("cli.wallet.summary"), cmdWallet},
		command{"demo", tr.T("cli.demo.summary"), cmdDemo},
		command{"server", tr.T("cli.server.summary"), cmdServer},
		command{"phone", tr.T("cli.phone.summary"), cmdPhone},
		command{"ssh", tr.T("cli.ssh.summary"), cmdSSH},
		command{"support", tr.T("cli.support.summary"), cmdSupport},
		command{"briacoin-sim", tr.T("cli.briacoinsim.summary"), cmdBriacoinSim},
	)
}

func run(args []string) int {
	lang, args, bad, ok := takeLang(args)
	setLanguage(lang)
	if !ok {
		return langUsage(bad)
	}
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
		for _, a := range args[1:] {
			if a == "--json" || a == "-json" {
				return printJSON(currentBuild())
			}
		}
		fmt.Println(versionString())
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "fastcheck: %s\n\n", tr.Tf("cli.unknowncommand", args[0]))
	usage(os.Stderr)
	return exitUsage
}

func usage(w *os.File) {
	fmt.Fprintln(w, tr.T("cli.usage"))
	fmt.Fprintln(w)
	fmt.Fprintln(w, tr.T("cli.usage.commands"))
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, tr.T("cli.usage.more"))
}
