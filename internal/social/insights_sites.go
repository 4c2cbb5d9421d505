package social

import (
	"context"
	"fmt"
	"html"
	"strconv"
	"time"

	"parvis/internal/insights"
	"parvis/internal/model"
	"parvis/internal/store"
)

// RegisterSite registers a website of the actor's, whose visits the
// beacon will count. address is reduced to its origin; the beacon accepts
// hits from that origin only.
func (s *Service) RegisterSite(ctx context.Context, actor *Actor, address string) (*store.InsightSite, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	origin, err := SiteOrigin(address)
	if err != nil {
		return nil, err
	}
	key, err := insights.NewSiteKey()
	if err != nil {
		return nil, err
	}
	site := &store.InsightSite{AccountID: actor.Account.ID, Key: key, Origin: origin, CreatedAt: s.now()}
	err = s.db.Tx(ctx, func(tx *store.Tx) error { return tx.InsertInsightSite(ctx, site) })
	if err != nil {
		return nil, wrap("register website", err)
	}
	return site, nil
}

// Sites lists the actor's registered websites.
func (s *Service) Sites(ctx context.Context, actor *Actor) ([]store.InsightSite, error) {
	if err := actor.require(); err != nil {
		return nil, err
	}
	return s.db.Read().InsightSites(ctx, actor.Account.ID)
}

// DeleteSite stops counting the visits of one of the actor's websites.
func (s *Service) DeleteSite(ctx context.Context, actor *Actor, siteID int64) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("remove website", s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.DeleteInsightSite(ctx, actor.Account.ID, siteID)
	}))
}

// BeaconSnippet is the one line to paste into a website's pages: the
// script, and an image for browsers without JavaScript (whose referrer
// policy lets the page's address, with its UTM tags, through).
func (s *Service) BeaconSnippet(site store.InsightSite) string {
	base := html.EscapeString(s.BaseURL())
	key := html.EscapeString(site.Key)
	return `<script async src="` + base + `/beacon.js" data-site="` + key + `"></script>` +
		`<noscript><img src="` + base + `/beacon/` + key + `.gif" alt="" width="1" height="1" ` +
		`referrerpolicy="no-referrer-when-downgrade"></noscript>`
}

// LinkTracking reports whether the actor's links are tracked.
func (s *Service) LinkTracking(ctx context.Context, actor *Actor) (bool, error) {
	if err := actor.require(); err != nil {
		return false, err
	}
	return s.db.Read().LinkTracking(ctx, actor.Account.ID)
}

// SetLinkTracking turns the tracking of the actor's links on or off. Off,
// new posts keep their links as written, and the tracked links of older
// posts lead to their targets without tags and record nothing.
func (s *Service) SetLinkTracking(ctx context.Context, actor *Actor, on bool) error {
	if err := actor.require(); err != nil {
		return err
	}
	return wrap("link tracking", s.db.Tx(ctx, func(tx *store.Tx) error {
		return tx.SetLinkTracking(ctx, actor.Account.ID, on, s.now())
	}))
}

// Retention defaults: raw events and hourly counts are kept this long;
// daily counts forever.
const (
	DefaultRawRetention    = 30 * 24 * time.Hour
	DefaultHourlyRetention = 90 * 24 * time.Hour
)

// Instance settings holding the retention, in days.
const (
	settingRawDays    = "insights_raw_days"
	settingHourlyDays = "insights_hourly_days"
)

// InsightsRetention returns how long raw events and hourly counts are kept.
func (s *Service) InsightsRetention(ctx context.Context) (raw, hourly time.Duration, err error) {
	settings, err := s.db.Read().Settings(ctx)
	if err != nil {
		return 0, 0, err
	}
	days := func(key string, def time.Duration) time.Duration {
		if n, err := strconv.Atoi(settings[key]); err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour
		}
		return def
	}
	return days(settingRawDays, DefaultRawRetention), days(settingHourlyDays, DefaultHourlyRetention), nil
}

// SetInsightsRetention changes how many days raw events and hourly counts
// are kept (admins only; 0 keeps a value as it is).
func (s *Service) SetInsightsRetention(ctx context.Context, actor *Actor, rawDays, hourlyDays int) error {
	if err := actor.requireRole(model.RoleAdmin); err != nil {
		return err
	}
	if rawDays < 0 || hourlyDays < 0 || rawDays > 3650 || hourlyDays > 3650 {
		return model.Errorf(model.EUNPROCESS, "retention must be between 1 and 3650 days")
	}
	return wrap("insights retention", s.db.Tx(ctx, func(tx *store.Tx) error {
		for _, x := range []struct {
			key  string
			days int
		}{{settingRawDays, rawDays}, {settingHourlyDays, hourlyDays}} {
			if x.days == 0 {
				continue
			}
			if err := tx.SetSetting(ctx, x.key, fmt.Sprint(x.days)); err != nil {
				return err
			}
		}
		return nil
	}))
}
