package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"fastcheck/api"
)

func exportCommand() cliCommand {
	return cliCommand{
		name:    "export",
		summary: tr.T("cli.export.summary"),
		about:   tr.T("cli.export.about"),
		examples: []string{
			"fastcheck export --format csv > checks.csv",
			"fastcheck export --format json --output backup.json --with-codes",
		},
		setup: func(fs *flag.FlagSet, g *globals) func([]string) int {
			format := fs.String("format", "", tr.T("cli.export.flagformat"))
			output := fs.String("output", "", tr.T("cli.export.flagoutput"))
			withCodes := fs.Bool("with-codes", false, tr.T("cli.export.flagcodes"))
			return func(args []string) int {
				if len(args) > 0 {
					return usageError("export", "cli.unexpectedarg", args[0])
				}
				switch {
				case *format == "" && g.json:
					*format = "json"
				case *format == "":
					*format = "csv"
				case *format != "csv" && *format != "json":
					return usageError("export", "cli.export.badformat", *format)
				case *format == "csv" && g.json:
					return usageError("export", "cli.export.disagree")
				}
				w, err := g.loggedIn()
				if err != nil {
					return failCLI("export", err, w.set)
				}
				ctx, stop := g.context(true)
				defer stop()
				active, err := w.c.ActiveChecks(ctx)
				if err != nil {
					return failCLI("export", err, w.set)
				}
				history, err := w.c.History(ctx)
				if err != nil {
					return failCLI("export", err, w.set)
				}
				history = historyFilter{}.apply(history)
				if !*withCodes {
					for i := range active {
						active[i].Code = ""
					}
				}
				var buf bytes.Buffer
				if *format == "json" {
					err = exportJSON(&buf, exportDoc{
						ExportedAt: api.FormatTime(time.Now()), Profile: w.set.Profile, Server: w.c.BaseURL(),
						Active: orEmpty(active), History: orEmpty(history),
					})
				} else {
					err = exportCSV(&buf, active, history)
				}
				if err != nil {
					return failCLI("export", err, w.set)
				}
				if *output == "" {
					os.Stdout.Write(buf.Bytes())
					return exitOK
				}
				if err := writePrivate(*output, buf.Bytes()); err != nil {
					return failCLI("export", err, w.set)
				}
				if !g.json {
					fmt.Fprintln(os.Stderr, tr.Tf("cli.export.done",
						tr.N("cli.export.active", int64(len(active)), len(active)), tr.N("cli.export.rows", int64(len(history)), len(history)), *output))
				}
				return exitOK
			}
		},
	}
}

type exportDoc struct {
	ExportedAt string             `json:"exportedAt"`
	Profile    string             `json:"profile"`
	Server     string             `json:"server"`
	Active     []api.ActiveCheck  `json:"active"`
	History    []api.HistoryCheck `json:"history"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func exportJSON(buf *bytes.Buffer, doc exportDoc) error {
	enc := json.NewEncoder(buf)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

var csvHeader = []string{"list", "fastcheck", "type", "status", "amount", "amount_minor", "currency", "code",
	"created_at", "expiration", "used_at", "accepted_at", "resolved_at"}

func exportCSV(buf *bytes.Buffer, active []api.ActiveCheck, history []api.HistoryCheck) error {
	w := csv.NewWriter(buf)
	w.Write(csvHeader)
	for _, c := range active {
		status := c.Status
		if c.Locked {
			status = api.CheckLocked
		}
		w.Write(csvRow("active", c.Fastcheck, api.TypeCreated, status, c.Amount, c.Currency, c.Code,
			c.CreatedAt, c.Expiration, "", "", ""))
	}
	for _, h := range history {
		w.Write(csvRow("history", h.Fastcheck, h.Type, h.Status, h.Amount, h.Currency, "",
			h.CreatedAt, h.Expiration, h.UsedAt, h.AcceptedAt, h.ResolvedAt))
	}
	w.Flush()
	return w.Error()
}

func csvRow(list, number, typ, status string, amount int64, currency, code string, times ...string) []string {
	row := []string{list, number, typ, status, plainMajor(amount, currency), strconv.FormatInt(amount, 10), currency, code}
	row = append(row, times...)
	for i, f := range row {
		row[i] = csvSafe(f)
	}
	return row
}

// plainMajor is an amount in major units without grouping or currency,
// for spreadsheets: 158000 RUB is "1580.00".
func plainMajor(v int64, currency string) string {
	s := api.FormatMinor(v, currency)
	s = s[:strings.LastIndexByte(s, ' ')]
	return strings.ReplaceAll(s, ",", "")
}

// csvSafe defuses a field a spreadsheet would run as a formula (OWASP's
// CSV injection advice): the values come from the server.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writePrivate writes a file readable only by its owner.
func writePrivate(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
