package social

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"parvis/internal/mail"
)

// SendMailArgs is a queued e-mail. Sending happens in a job so that a slow or
// unreachable SMTP server neither slows a page nor loses the message.
type SendMailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Kind names the job.
func (SendMailArgs) Kind() string { return "send_mail" }

// InsertOpts caps retries: a reset link expires within the hour anyway.
func (SendMailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type sendMailWorker struct {
	river.WorkerDefaults[SendMailArgs]
	mailer *mail.Sender
}

func (w *sendMailWorker) Work(ctx context.Context, job *river.Job[SendMailArgs]) error {
	return w.mailer.Send(ctx, mail.Message{To: job.Args.To, Subject: job.Args.Subject, Body: job.Args.Body})
}

func (w *sendMailWorker) Timeout(*river.Job[SendMailArgs]) time.Duration { return 30 * time.Second }

// RegisterWorkers adds the service's job workers.
func (s *Service) RegisterWorkers(workers *river.Workers) {
	river.AddWorker(workers, &sendMailWorker{mailer: s.mailer})
	river.AddWorker(workers, &sweepWorker{s: s})
	river.AddWorker(workers, &fanOutWorker{s: s})
	river.AddWorker(workers, &rebuildFeedWorker{s: s})
	river.AddWorker(workers, &mergeFeedWorker{s: s})
	river.AddWorker(workers, &trimFeedsWorker{s: s})
	river.AddWorker(workers, &deleteFilesWorker{s: s})
	river.AddWorker(workers, &purgeAccountWorker{s: s})
	river.AddWorker(workers, &moveFollowersWorker{s: s})
	river.AddWorker(workers, &fetchCardWorker{s: s})
	river.AddWorker(workers, &integrityScanWorker{s: s})
}

func resetMail(locale, username, link, domain string, ttl time.Duration) mail.Message {
	minutes := int(ttl / time.Minute)
	if locale == "fr" {
		return mail.Message{
			Subject: "Réinitialiser votre mot de passe sur " + domain,
			Body: fmt.Sprintf("Bonjour %s,\n\nQuelqu'un (vous, sans doute) a demandé à réinitialiser votre mot de passe sur %s.\n"+
				"Pour choisir un nouveau mot de passe, ouvrez ce lien dans les %d minutes :\n\n%s\n\n"+
				"Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n", username, domain, minutes, link),
		}
	}
	return mail.Message{
		Subject: "Reset your password on " + domain,
		Body: fmt.Sprintf("Hello %s,\n\nSomeone (probably you) asked to reset your password on %s.\n"+
			"To choose a new password, open this link within %d minutes:\n\n%s\n\n"+
			"If you did not ask for this, ignore this message: your password stays the same.\n", username, domain, minutes, link),
	}
}
