package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"parvis/internal/jobs"
	"parvis/internal/model"
	"parvis/internal/social"
	"parvis/internal/store"
)

const adminUsage = `usage:
  parvis admin user create --username U --password-file F [--email E] [--role admin|moderator|user]
  parvis admin user list [--pending]
  parvis admin user set-role --username U --role admin|moderator|user
  parvis admin registrations open|approval|closed
  parvis admin export --username U --to FILE.zip
  parvis admin import-follows --username U --file FILE.csv
(--password-file - reads the password from standard input)`

func runAdmin(ctx context.Context, args []string, io stdio) error {
	if len(args) >= 1 && args[0] == "registrations" {
		return adminRegistrations(ctx, args[1:], io)
	}
	if len(args) >= 1 && args[0] == "export" {
		return adminExport(ctx, args[1:], io)
	}
	if len(args) >= 1 && args[0] == "import-follows" {
		return adminImportFollows(ctx, args[1:], io)
	}
	if len(args) < 2 || args[0] != "user" {
		fmt.Fprintln(io.err, adminUsage)
		return errUsage
	}
	switch args[1] {
	case "create":
		return adminUserCreate(ctx, args[2:], io)
	case "list":
		return adminUserList(ctx, args[2:], io)
	case "set-role":
		return adminUserSetRole(ctx, args[2:], io)
	}
	fmt.Fprintln(io.err, adminUsage)
	return errUsage
}

// cliService opens the database and a service that acts for the command
// line. Jobs it queues (e-mails, fan-out) are run by the server.
func cliService(ctx context.Context, f *dbFlags) (*social.Service, *store.DB, error) {
	log := quietLogger()
	db, err := f.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	queue, err := jobs.New(jobsConfig(db, log))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	secret, err := db.InstanceSecret(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	settings, err := db.Read().Settings(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	domain := settings["domain"]
	if domain == "" {
		domain = "localhost"
	}
	svc := social.New(social.Config{Domain: domain, Scheme: schemeFor(domain), Secret: secret},
		social.Deps{DB: db, Queue: queue, Logger: log})
	return svc, db, nil
}

func adminUserCreate(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("admin user create", io)
	f.register(fs)
	username := fs.String("username", "", "username (required)")
	passwordFile := fs.String("password-file", "", "file holding the password, or - for standard input (required)")
	email := fs.String("email", "", "e-mail address")
	roleName := fs.String("role", "user", "admin, moderator or user")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" || *passwordFile == "" {
		fmt.Fprintln(io.err, "--username and --password-file are required")
		fs.Usage()
		return errUsage
	}
	role, err := model.ParseRole(*roleName)
	if err != nil {
		return err
	}
	password, err := readPassword(*passwordFile, io.in)
	if err != nil {
		return err
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := svc.CreateUser(ctx, social.SignupInput{Username: *username, Email: *email, Password: password, Role: role})
	if err != nil {
		return err
	}
	fmt.Fprintf(io.out, "created %s %s (user id %d)\n", role, *username, u.ID)
	return nil
}

// readPassword reads the first line of a file or of standard input.
func readPassword(path string, stdin io.Reader) (string, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is empty")
	}
	return line, nil
}

func adminUserList(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("admin user list", io)
	f.register(fs)
	pending := fs.Bool("pending", false, "only sign-ups awaiting approval")
	if err := parse(fs, args); err != nil {
		return err
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	users, err := svc.DB().Read().ListUsers(ctx, *pending, 1<<30)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(io.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tROLE\tEMAIL\tAPPROVED\tCREATED")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", u.Account.Username, u.User.Role, u.User.Email, u.User.Approved,
			u.User.CreatedAt.Format("2006-01-02 15:04"))
	}
	return tw.Flush()
}

func adminUserSetRole(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("admin user set-role", io)
	f.register(fs)
	username := fs.String("username", "", "username (required)")
	roleName := fs.String("role", "", "admin, moderator or user (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *username == "" || *roleName == "" {
		fmt.Fprintln(io.err, "--username and --role are required")
		fs.Usage()
		return errUsage
	}
	role, err := model.ParseRole(*roleName)
	if err != nil {
		return err
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := svc.SetRole(ctx, social.SystemActor(), *username, role); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "%s is now %s\n", *username, role)
	return nil
}

func adminRegistrations(ctx context.Context, args []string, io stdio) error {
	var f dbFlags
	fs := newFlags("admin registrations", io)
	f.register(fs)
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(io.err, adminUsage)
		return errUsage
	}
	svc, db, err := cliService(ctx, &f)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := svc.SetRegistrationMode(ctx, social.SystemActor(), fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(io.out, "registrations are now %s\n", fs.Arg(0))
	return nil
}
