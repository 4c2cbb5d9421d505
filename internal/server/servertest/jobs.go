package servertest

import (
	"context"

	"parvis/internal/jobs"
	"parvis/internal/store"
)

func migrateJobs(ctx context.Context, db *store.DB) error {
	return jobs.Migrate(ctx, jobs.Config{DB: db.SQL(), Postgres: db.Engine() == store.Postgres, Listener: db.Pool()})
}
