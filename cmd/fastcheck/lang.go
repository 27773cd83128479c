package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"fastcheck/api"
	"fastcheck/i18n"
	"fastcheck/store"
)

// tr is the language of this run: every user-facing string of the CLI
// comes from its catalog (package i18n, shared with the wallet TUI).
// --json output never goes through it. run sets it first thing.
var tr = i18n.New(i18n.English, nil)

// setLanguage picks the run's language: --lang, then the config's "lang",
// then LC_ALL, LC_MESSAGES and LANG. A damaged config is left for the
// command to report.
func setLanguage(flagLang string) {
	cfgLang := ""
	if cfg, err := store.LoadConfig(store.ConfigPath()); err == nil {
		cfgLang = cfg.Lang
	}
	tr = i18n.New(i18n.Resolve(flagLang, cfgLang, os.Getenv), nil)
	store.InsecureWarning = tr.T("cli.insecurewarning")
}

// takeLang removes the global --lang flag (--lang ru, --lang=ru, -lang ru)
// from args, wherever it stands before a "--", and returns its value ("":
// not given). ok is false for a missing or unknown value (bad).
func takeLang(args []string) (lang string, rest []string, bad string, ok bool) {
	rest = make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return "", nil, "", false
			}
			i++
			val = args[i]
		}
		l, err := i18n.Parse(val)
		if err != nil || l == "" {
			return "", nil, val, false
		}
		lang = l
	}
	return lang, rest, "", true
}

// langUsage reports a bad --lang (takeLang's bad value; "" when missing).
func langUsage(bad string) int {
	if bad == "" {
		fmt.Fprintln(os.Stderr, "fastcheck: "+tr.T("cli.lang.missing"))
	} else {
		fmt.Fprintln(os.Stderr, "fastcheck: "+tr.Tf("cli.lang.unknown", api.Truncate(bad, 40), strings.Join(i18n.Langs, ", ")))
	}
	return exitUsage
}

// parseFlags parses a command's own flag set: a mistake is said in the
// run's language (package flag would say it in English), then the usage.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return exitOK, true
	case errors.Is(err, flag.ErrHelp):
		// Asked for, help is the output: standard output, as for the
		// wallet commands (fastcheck server --help | less).
		fs.SetOutput(os.Stdout)
		fs.Usage()
		fs.SetOutput(out)
		return exitOK, false
	}
	fmt.Fprintf(out, "%s: %s\n", fs.Name(), flagError(err))
	fs.Usage()
	return exitUsage, false
}
