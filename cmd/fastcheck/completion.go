package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"fastcheck/i18n"
)

func completionCommand() cliCommand {
	return cliCommand{
		name:     "completion",
		synopsis: "bash|zsh|fish",
		summary:  tr.T("cli.completion.summary"),
		about:    tr.T("cli.completion.about"),
		examples: []string{
			"fastcheck completion bash > ~/.local/share/bash-completion/completions/fastcheck",
			"source <(fastcheck completion bash)                         # " + tr.T("cli.completion.example"),
			"fastcheck completion zsh > \"${fpath[1]}/_fastcheck\"          # zsh",
			"fastcheck completion fish > ~/.config/fish/completions/fastcheck.fish",
		},
		globals: globalsJSON,
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			return func(args []string) int {
				if len(args) != 1 {
					return usageError("completion", "cli.completion.args")
				}
				if g.json { // the script's descriptions too are language-neutral in JSON
					tr = english
				}
				var script string
				switch args[0] {
				case "bash":
					script = bashCompletion(completionSpecs())
				case "zsh":
					script = zshCompletion(completionSpecs())
				case "fish":
					script = fishCompletion(completionSpecs())
				default:
					return usageError("completion", "cli.completion.badshell", args[0])
				}
				if g.json {
					return printJSON(map[string]string{"shell": args[0], "script": script})
				}
				fmt.Print(script)
				return exitOK
			}
		},
	}
}

// compSpec is what completion knows about one command.
type compSpec struct {
	name, summary string
	words         []string // positional words: subcommands or fixed values
	flags         []compFlag
}

type compFlag struct {
	name, usage string
	value       bool     // takes a value
	values      []string // its fixed values, if any
	dynamic     string   // a shell command that lists its values
	file        bool     // its value is a file
}

// flagValues are the fixed values of flags that take a closed set.
var flagValues = map[string][]string{
	"format":    {"csv", "json"},
	"type":      {"created", "accepted"},
	"status":    {"used", "expired", "cancelled"},
	"demo":      {"alice", "bob", "support"},
	"lang":      i18n.Langs,
	"log-level": {"debug", "info", "warn", "error"},
}

var fileFlags = map[string]bool{"output": true, "key-file": true, "db": true, "demo-db": true, "state": true,
	"briacoin-sim-state": true, "host-key": true, "authorized-keys": true}

// handFlags lists flags by name; "name=" takes a value.
func handFlags(names ...string) []compFlag {
	var out []compFlag
	for _, n := range names {
		name, value := strings.CutSuffix(n, "=")
		f := compFlag{name: name, value: value, file: fileFlags[name]}
		if value {
			f.values = flagValues[name]
			if name == "profile" {
				f.dynamic = "fastcheck profile list --names 2>/dev/null"
			}
		}
		out = append(out, f)
	}
	return out
}

func completionSpecs() []compSpec {
	var specs []compSpec
	for _, c := range append(cliCommands(), supportCommand(nil)) {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		var g globals
		g.register(fs, c.globals)
		c.setup(fs, &g)
		s := compSpec{name: c.name, summary: c.summary}
		switch c.name {
		case "completion":
			s.words = []string{"bash", "zsh", "fish"}
		case "profile":
			s.words = []string{"list", "use", "remove"}
		case "topup":
			s.words = []string{"bank", "briacoin", "status"}
		case "withdraw":
			s.words = []string{"status"}
		case "support":
			s.words = []string{"find", "account", "check"}
		}
		fs.VisitAll(func(f *flag.Flag) {
			_, usage := flag.UnquoteUsage(f)
			cf := compFlag{name: f.Name, usage: usage, value: takesValue(fs, "--"+f.Name), file: fileFlags[f.Name]}
			if cf.value {
				cf.values = flagValues[f.Name]
			}
			if f.Name == "profile" {
				cf.dynamic = "fastcheck profile list --names 2>/dev/null"
			}
			s.flags = append(s.flags, cf)
		})
		specs = append(specs, s)
	}
	// The commands that parse flags of their own; TestCLICompletion checks
	// these lists against each one's --help.
	own := map[string]compSpec{
		"server": {words: []string{"audit", "audit-log", "migrate"}, flags: handFlags("addr=", "bank-api-key=", "bank-url=",
			"bank-webhook-secret=", "base-path=", "briacoin-account=", "briacoin-rate=", "briacoin-secret=", "briacoin-sim",
			"briacoin-sim-state=", "briacoin-step=", "briacoin-timeout=", "briacoin-url=", "check-ttl=", "db=", "demo", "json",
			"limit=", "log-level=", "public-url=", "reconcile-interval=", "sandbox-bank", "session-ttl=", "since=", "staff=",
			"topup-ttl=", "trust-proxy", "websession-ttl=")},
		"briacoin-sim": {words: []string{"pay"}, flags: handFlags("account=", "addr=", "backurl=", "json", "secret=", "sim=",
			"state=", "step=")},
		"phone": {words: []string{"register", "approve"}, flags: handFlags("allow-insecure-http", "demo=", "handle=",
			"insecure-storage", "json", "key-file=", "name=", "server=", "totp", "yes")},
		"wallet": {flags: handFlags("allow-insecure-http", "insecure-storage", "json", "lang=", "profile=", "server=",
			"support", "timeout=")},
		"demo": {flags: handFlags("addr=", "db=", "public-url=", "totp")},
		"ssh": {flags: handFlags("addr=", "allow-insecure-http", "authorized-keys=", "demo", "demo-addr=", "demo-db=",
			"host-key=", "idle-timeout=", "log-level=", "max-sessions=", "rate-limit=", "server=")},
	}
	for _, c := range commands() {
		if s, ok := own[c.name]; ok {
			s.name, s.summary = c.name, c.summary
			specs = append(specs, s)
		}
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].name < specs[j].name })
	return specs
}

func commandNames(specs []compSpec) string {
	var names []string
	for _, s := range specs {
		names = append(names, s.name)
	}
	return strings.Join(names, " ")
}

func bashCompletion(specs []compSpec) string {
	var b strings.Builder
	b.WriteString(`# bash completion for fastcheck. Load it with: source <(fastcheck completion bash)
_fastcheck() {
    local cur prev cmd words
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    cmd="${COMP_WORDS[1]}"
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=( $(compgen -W "` + commandNames(specs) + ` help --help --version" -- "$cur") )
        return
    fi
    case "$cmd $prev" in
`)
	for _, s := range specs {
		for _, f := range s.flags {
			if !f.value {
				continue
			}
			fmt.Fprintf(&b, "        \"%s --%s\")", s.name, f.name)
			switch {
			case len(f.values) > 0:
				fmt.Fprintf(&b, " COMPREPLY=( $(compgen -W \"%s\" -- \"$cur\") ); return ;;\n", strings.Join(f.values, " "))
			case f.dynamic != "":
				fmt.Fprintf(&b, " COMPREPLY=( $(compgen -W \"$(%s)\" -- \"$cur\") ); return ;;\n", f.dynamic)
			case f.file:
				b.WriteString(" COMPREPLY=( $(compgen -f -- \"$cur\") ); return ;;\n")
			default:
				b.WriteString(" return ;;\n")
			}
		}
	}
	b.WriteString("    esac\n    case \"$cmd\" in\n")
	for _, s := range specs {
		var w []string
		w = append(w, s.words...)
		for _, f := range s.flags {
			w = append(w, "--"+f.name)
		}
		w = append(w, "--help")
		fmt.Fprintf(&b, "        %s) words=\"%s\" ;;\n", s.name, strings.Join(w, " "))
	}
	b.WriteString(`        *) return ;;
    esac
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _fastcheck fastcheck
`)
	return b.String()
}

// zshQuote makes s safe inside a single-quoted zsh word.
func zshQuote(s string) string { return strings.ReplaceAll(s, "'", `'\''`) }

func zshCompletion(specs []compSpec) string {
	var b strings.Builder
	b.WriteString(`#compdef fastcheck
# zsh completion for fastcheck. Put it in your $fpath as _fastcheck, or: source <(fastcheck completion zsh)
_fastcheck() {
  local -a commands
  commands=(
`)
	for _, s := range specs {
		fmt.Fprintf(&b, "    '%s:%s'\n", s.name, zshQuote(strings.ReplaceAll(s.summary, ":", `\:`)))
	}
	b.WriteString(`  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'fastcheck command' commands
    return
  fi
  local cmd=${words[2]} prev=${words[CURRENT-1]}
  case "$cmd $prev" in
`)
	for _, s := range specs {
		for _, f := range s.flags {
			if !f.value {
				continue
			}
			fmt.Fprintf(&b, "    '%s --%s')", s.name, f.name)
			switch {
			case len(f.values) > 0:
				fmt.Fprintf(&b, " compadd -- %s; return ;;\n", strings.Join(f.values, " "))
			case f.dynamic != "":
				fmt.Fprintf(&b, " compadd -- ${(f)\"$(%s)\"}; return ;;\n", f.dynamic)
			case f.file:
				b.WriteString(" _files; return ;;\n")
			default:
				b.WriteString(" return ;;\n")
			}
		}
	}
	b.WriteString("  esac\n  local -a opts\n  case $cmd in\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "    %s) opts=(", s.name)
		for _, w := range s.words {
			fmt.Fprintf(&b, " '%s'", w)
		}
		for _, f := range s.flags {
			fmt.Fprintf(&b, " '--%s'", f.name)
		}
		b.WriteString(" '--help') ;;\n")
	}
	b.WriteString(`    *) return ;;
  esac
  compadd -- $opts
}
if [ "$funcstack[1]" = "_fastcheck" ]; then
  _fastcheck "$@"
else
  compdef _fastcheck fastcheck
fi
`)
	return b.String()
}

// fishQuote makes s safe inside a single-quoted fish string.
func fishQuote(s string) string {
	return strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s)
}

func fishCompletion(specs []compSpec) string {
	var b strings.Builder
	b.WriteString("# fish completion for fastcheck. Load it with: fastcheck completion fish | source\n")
	b.WriteString("complete -c fastcheck -f\n")
	b.WriteString("complete -c fastcheck -n __fish_use_subcommand -l version -d 'print the version and build info'\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "complete -c fastcheck -n __fish_use_subcommand -a %s -d '%s'\n", s.name, fishQuote(s.summary))
	}
	for _, s := range specs {
		cond := fmt.Sprintf("'__fish_seen_subcommand_from %s'", s.name)
		if len(s.words) > 0 {
			fmt.Fprintf(&b, "complete -c fastcheck -n %s -a '%s'\n", cond, strings.Join(s.words, " "))
		}
		for _, f := range s.flags {
			fmt.Fprintf(&b, "complete -c fastcheck -n %s -l %s", cond, f.name)
			switch {
			case len(f.values) > 0:
				fmt.Fprintf(&b, " -x -a '%s'", strings.Join(f.values, " "))
			case f.dynamic != "":
				fmt.Fprintf(&b, " -x -a '(%s)'", fishQuote(f.dynamic))
			case f.file:
				b.WriteString(" -r -F")
			case f.value:
				b.WriteString(" -x")
			}
			if f.usage != "" {
				fmt.Fprintf(&b, " -d '%s'", fishQuote(f.usage))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
