// Command parvis is the Parvis server and its tools: serve, migrate, admin,
// seed, analyze, version. Run "parvis help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// stdio is where a command reads and writes, so tests can run commands in
// process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

type command struct {
	summary string
	run     func(ctx context.Context, args []string, io stdio) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the server", runServe},
		"migrate":   {"apply database migrations and exit", runMigrate},
		"admin":     {"manage users: admin user create|list|set-role", runAdmin},
		"seed":      {"fill a database with realistic synthetic data", runSeed},
		"version":   {"print the version", runVersion},
		"analyze":   {"analyse your own data files: influence, thread, topics, fraud", runAnalyze},
		"integrity": {"scan for manipulated engagement, list findings", runIntegrity},
		"insights":  {"an account's or a community's insights; run the insights jobs", runInsights},
		"backup":    {"back up the database and media while the server runs", runBackup},
		"restore":   {"restore a backup into an empty data directory or database", runRestore},
		"bench":     {"load a running server through its API and measure it", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{os.Stdin, os.Stdout, os.Stderr}))
}

// errUsage marks a usage error already explained to the user.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, io stdio) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(io.out, cmds)
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(io.err, "parvis: unknown command %q\n\n", args[0])
		usage(io.err, cmds)
		return 2
	}
	if err := c.run(ctx, args[1:], io); err != nil {
		if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintf(io.err, "parvis %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Parvis: a self-hosted social platform.\n\nUsage: parvis <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"parvis <command> -h\" for a command's flags.")
}

func runVersion(_ context.Context, _ []string, io stdio) error {
	fmt.Fprintln(io.out, "parvis", version)
	return nil
}

// newFlags returns a flag set that reports errors and help on io.err.
func newFlags(name string, io stdio) *flag.FlagSet {
	fs := flag.NewFlagSet("parvis "+name, flag.ContinueOnError)
	fs.SetOutput(io.err)
	return fs
}

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// env returns the environment variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && strings.TrimSpace(v) != "" {
		return v
	}
	return def
}
