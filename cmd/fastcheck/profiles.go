package main

import (
	"flag"
	"fmt"
	"os"

	"fastcheck/api"
	"fastcheck/store"
)

func profileCommand() cliCommand {
	return cliCommand{
		name:     "profile",
		synopsis: "list | use NAME | remove NAME",
		summary:  tr.T("cli.profile.summary"),
		about:    tr.Tf("cli.profile.about", store.EnvProfile),
		examples: []string{
			"fastcheck profile list",
			"fastcheck login --profile work --server https://fastcheck.store/api",
			"fastcheck profile use work",
			"fastcheck profile remove old",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			names := fs.Bool("names", false, tr.T("cli.profile.flagnames"))
			return func(args []string) int {
				if len(args) == 0 {
					return usageError("profile", "cli.profile.args")
				}
				switch sub, rest := args[0], args[1:]; {
				case sub == "list" && len(rest) == 0:
					return profileList(g, *names)
				case sub == "use" && len(rest) == 1:
					return profileUse(g, rest[0])
				case sub == "remove" && len(rest) == 1:
					return profileRemove(g, rest[0])
				case sub == "list" || sub == "use" || sub == "remove":
					return usageError("profile", "cli.profile.wrongargs", sub)
				default:
					return usageError("profile", "cli.profile.unknownsub", sub)
				}
			}
		},
	}
}

type profileRow struct {
	Name              string `json:"name"`
	Server            string `json:"server"`
	Default           bool   `json:"default"`
	InsecureStorage   bool   `json:"insecureStorage"`
	AllowInsecureHTTP bool   `json:"allowInsecureHttp"`
}

func profileList(g *globals, namesOnly bool) int {
	cfg, set, err := g.settings()
	if err != nil {
		return failCLI("profile", err, set)
	}
	def := cfg.DefaultProfile
	if def == "" {
		def = store.DefaultProfile
	}
	rows := []profileRow{}
	for _, n := range cfg.ProfileNames() {
		p := cfg.Profiles[n]
		server := p.Server
		if server == "" {
			server = cfg.Server
		}
		if server == "" {
			server = store.DefaultServer
		}
		rows = append(rows, profileRow{Name: n, Server: server, Default: n == def, InsecureStorage: p.InsecureStorage, AllowInsecureHTTP: p.AllowInsecureHTTP})
	}
	switch {
	case g.json:
		return printJSON(map[string]any{"default": def, "profiles": rows})
	case namesOnly:
		for _, r := range rows {
			fmt.Println(r.Name)
		}
		return exitOK
	case len(rows) == 0:
		fmt.Println(tr.Tf("cli.profile.none", def, store.ConfigPath()))
		return exitOK
	}
	t := table{head: []string{"", tr.T("cli.profile.colprofile"), tr.T("cli.profile.colserver"), tr.T("cli.profile.colstorage")}}
	for _, r := range rows {
		mark, storage := " ", tr.T("cli.profile.keyring")
		if r.Default {
			mark = "*"
		}
		if r.InsecureStorage {
			storage = tr.T("cli.profile.file")
		}
		t.add(mark, r.Name, r.Server, storage)
	}
	t.write(os.Stdout)
	fmt.Println("\n" + tr.Tf("cli.profile.legend", store.ConfigPath()))
	return exitOK
}

func profileUse(g *globals, name string) int {
	if err := store.ValidProfileName(name); err != nil {
		return usageError("profile", "cli.profile.badname", api.Truncate(name, 70))
	}
	cfg, set, err := g.settings()
	if err != nil {
		return failCLI("profile", err, set)
	}
	cfg.DefaultProfile = name
	cfg.Profile(name)
	if err := cfg.Save(store.ConfigPath()); err != nil {
		return failCLI("profile", err, set)
	}
	if g.json {
		return printJSON(map[string]any{"default": name})
	}
	fmt.Println(tr.Tf("cli.profile.used", name))
	return exitOK
}

func profileRemove(g *globals, name string) int {
	if err := store.ValidProfileName(name); err != nil {
		return usageError("profile", "cli.profile.badname", api.Truncate(name, 70))
	}
	g.profile = name
	cfg, set, err := g.settings()
	if err != nil {
		return failCLI("profile", err, set)
	}
	ctx, stop := g.context(true)
	defer stop()
	res, err := logoutProfile(ctx, set, true)
	if err != nil {
		return failCLI("profile", err, set)
	}
	delete(cfg.Profiles, name)
	if cfg.DefaultProfile == name {
		cfg.DefaultProfile = ""
	}
	if err := cfg.Save(store.ConfigPath()); err != nil {
		return failCLI("profile", err, set)
	}
	if g.json {
		return printJSON(map[string]any{"removed": name, "hadSession": res.HadSession, "serverEnded": res.ServerEnded})
	}
	fmt.Println(tr.Tf("cli.profile.removed", name))
	return exitOK
}
