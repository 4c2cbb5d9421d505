package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"parvis/internal/model"
)

const communityColumns = `c.id, c.account_id, c.membership, c.topics, c.rules, c.description,
	COALESCE(c.created_by, 0), c.members_count, c.created_at`

func scanCommunity(s scanner) (*model.Community, error) {
	var c model.Community
	var membership, topics, rules string
	var created int64
	if err := s.Scan(&c.ID, &c.AccountID, &membership, &topics, &rules, &c.Description, &c.CreatedBy,
		&c.MembersCount, &created); err != nil {
		return nil, err
	}
	c.Membership = model.Membership(membership)
	if topics != "" {
		c.Topics = strings.Split(topics, ",")
	}
	if rules != "" && rules != "[]" {
		if err := json.Unmarshal([]byte(rules), &c.Rules); err != nil {
			return nil, fmt.Errorf("decode rules of community %d: %w", c.ID, err)
		}
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// CreateCommunity inserts a community (its group account must exist).
func (tx *Tx) CreateCommunity(ctx context.Context, c *model.Community) error {
	if c.ID == 0 {
		c.ID = tx.db.NewID(c.CreatedAt)
	}
	rules, _ := json.Marshal(c.Rules)
	if c.Rules == nil {
		rules = []byte("[]")
	}
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO communities (id, account_id, membership, topics, rules, description,
		created_by, members_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)`,
		c.ID, c.AccountID, string(c.Membership), strings.Join(c.Topics, ","), string(rules), c.Description,
		nullID(c.CreatedBy), ms(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("create community: %w", err)
	}
	return nil
}

// UpdateCommunity saves a community's settings.
func (tx *Tx) UpdateCommunity(ctx context.Context, c *model.Community) error {
	rules, _ := json.Marshal(c.Rules)
	if c.Rules == nil {
		rules = []byte("[]")
	}
	res, err := tx.tx.ExecContext(ctx, "UPDATE communities SET membership = $1, topics = $2, rules = $3, description = $4 WHERE id = $5",
		string(c.Membership), strings.Join(c.Topics, ","), string(rules), c.Description, c.ID)
	return mustAffect(res, err, "community")
}

// CommunityByID loads a community with its group account.
func (q Q) CommunityByID(ctx context.Context, id int64) (*model.Community, error) {
	return q.community(ctx, "c.id = $1", id)
}

// CommunityByAccountID loads the community of a group account.
func (q Q) CommunityByAccountID(ctx context.Context, accountID int64) (*model.Community, error) {
	return q.community(ctx, "c.account_id = $1", accountID)
}

func (q Q) community(ctx context.Context, where string, arg any) (*model.Community, error) {
	c, err := scanCommunity(q.q.QueryRowContext(ctx, "SELECT "+communityColumns+" FROM communities c WHERE "+where, arg))
	if err != nil {
		return nil, notFound(err, "community")
	}
	if c.Account, err = q.AccountByID(ctx, c.AccountID); err != nil {
		return nil, err
	}
	return c, nil
}

// CommunitiesByIDs loads communities keyed by id (without their accounts).
func (q Q) CommunitiesByIDs(ctx context.Context, ids []int64) (map[int64]*model.Community, error) {
	out := map[int64]*model.Community{}
	if len(ids) == 0 {
		return out, nil
	}
	query, args := inList("SELECT "+communityColumns+" FROM communities c WHERE c.id IN (%s)", ids)
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load communities: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			return nil, fmt.Errorf("load communities: %w", err)
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// ListCommunities lists communities, biggest first; with memberOf set, only
// those that account belongs to.
func (q Q) ListCommunities(ctx context.Context, memberOf int64, limit, offset int) ([]*model.Community, error) {
	query := "SELECT " + communityColumns + " FROM communities c ORDER BY c.members_count DESC, c.id LIMIT $1 OFFSET $2"
	args := []any{limit, offset}
	if memberOf != 0 {
		query = "SELECT " + communityColumns + ` FROM communities c JOIN community_members m ON m.community_id = c.id
			WHERE m.account_id = $3 ORDER BY c.members_count DESC, c.id LIMIT $1 OFFSET $2`
		args = append(args, memberOf)
	}
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list communities: %w", err)
	}
	var out []*model.Community
	for rows.Next() {
		c, err := scanCommunity(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list communities: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := make([]int64, len(out))
	for i, c := range out {
		ids[i] = c.AccountID
	}
	accs, err := q.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		c.Account = accs[c.AccountID]
	}
	return out, nil
}

// MemberOf returns someone's membership, or ENOTFOUND.
func (q Q) MemberOf(ctx context.Context, communityID, accountID int64) (*model.Member, error) {
	var m model.Member
	var role string
	var muted, created int64
	err := q.q.QueryRowContext(ctx, `SELECT community_id, account_id, role, muted_until, created_at FROM community_members
		WHERE community_id = $1 AND account_id = $2`, communityID, accountID).Scan(&m.CommunityID, &m.AccountID, &role, &muted, &created)
	if err != nil {
		return nil, notFound(err, "membership")
	}
	m.Role, m.MutedUntil, m.CreatedAt = model.CommunityRole(role), fromMS(muted), fromMS(created)
	return &m, nil
}

// MembershipsOf returns an account's roles in each of the given communities.
func (q Q) MembershipsOf(ctx context.Context, accountID int64, communityIDs []int64) (map[int64]model.CommunityRole, error) {
	out := map[int64]model.CommunityRole{}
	if accountID == 0 || len(communityIDs) == 0 {
		return out, nil
	}
	in, args := inList("%s", communityIDs)
	args = append(args, accountID)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT community_id, role FROM community_members
		WHERE account_id = $%d AND community_id IN (%s)`, len(args), in), args...)
	if err != nil {
		return nil, fmt.Errorf("load memberships: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var role string
		if err := rows.Scan(&id, &role); err != nil {
			return nil, fmt.Errorf("load memberships: %w", err)
		}
		out[id] = model.CommunityRole(role)
	}
	return out, rows.Err()
}

// AddMember makes someone a member with a role (or changes the role) and
// keeps the member count right.
func (tx *Tx) AddMember(ctx context.Context, communityID, accountID int64, role model.CommunityRole, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO community_members (community_id, account_id, role, id, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id, account_id) DO NOTHING`,
		communityID, accountID, string(role), tx.db.NewID(at), ms(at))
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ECONFLICT, "already a member")
	}
	_, err = tx.tx.ExecContext(ctx, "UPDATE communities SET members_count = members_count + 1 WHERE id = $1", communityID)
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

// SetMemberRole changes a member's role.
func (tx *Tx) SetMemberRole(ctx context.Context, communityID, accountID int64, role model.CommunityRole) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE community_members SET role = $1 WHERE community_id = $2 AND account_id = $3",
		string(role), communityID, accountID)
	return mustAffect(res, err, "membership")
}

// MuteMember keeps a member from posting until until.
func (tx *Tx) MuteMember(ctx context.Context, communityID, accountID int64, until time.Time) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE community_members SET muted_until = $1 WHERE community_id = $2 AND account_id = $3",
		ms(until), communityID, accountID)
	return mustAffect(res, err, "membership")
}

// RemoveMember ends a membership and reports whether there was one.
func (tx *Tx) RemoveMember(ctx context.Context, communityID, accountID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM community_members WHERE community_id = $1 AND account_id = $2", communityID, accountID)
	if err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = tx.tx.ExecContext(ctx, "UPDATE communities SET members_count = members_count - 1 WHERE id = $1 AND members_count > 0", communityID)
	if err != nil {
		return false, fmt.Errorf("remove member: %w", err)
	}
	return true, nil
}

// CountRole counts the members with a role.
func (q Q) CountRole(ctx context.Context, communityID int64, role model.CommunityRole) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, "SELECT COUNT(*) FROM community_members WHERE community_id = $1 AND role = $2",
		communityID, string(role)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return n, nil
}

// MemberRow is a member in the directory.
type MemberRow struct {
	Member  model.Member
	Cursor  int64
	Account *model.Account
}

// Members pages through a community's members, staff first when role is
// given (then only that role).
func (q Q) Members(ctx context.Context, communityID int64, role model.CommunityRole, p Page) ([]MemberRow, error) {
	args := []any{communityID}
	sel := "SELECT id, account_id FROM community_members WHERE community_id = $1"
	if role != "" {
		args = append(args, string(role))
		sel += " AND role = $2"
	}
	pairs, err := q.listPairs(ctx, sel, "id", args, p)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(pairs))
	for i, pr := range pairs {
		ids[i] = pr.ItemID
	}
	accs, err := q.AccountsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	roles, err := q.rolesIn(ctx, communityID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]MemberRow, 0, len(pairs))
	for _, pr := range pairs {
		if a := accs[pr.ItemID]; a != nil {
			out = append(out, MemberRow{Member: roles[pr.ItemID], Cursor: pr.Cursor, Account: a})
		}
	}
	return out, nil
}

func (q Q) rolesIn(ctx context.Context, communityID int64, ids []int64) (map[int64]model.Member, error) {
	out := map[int64]model.Member{}
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList("%s", ids)
	args = append(args, communityID)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT account_id, role, muted_until, created_at FROM community_members
		WHERE community_id = $%d AND account_id IN (%s)`, len(args), in), args...)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m model.Member
		var role string
		var muted, created int64
		if err := rows.Scan(&m.AccountID, &role, &muted, &created); err != nil {
			return nil, fmt.Errorf("load members: %w", err)
		}
		m.CommunityID, m.Role, m.MutedUntil, m.CreatedAt = communityID, model.CommunityRole(role), fromMS(muted), fromMS(created)
		out[m.AccountID] = m
	}
	return out, rows.Err()
}

// StaffIDs returns a community's moderators and owners.
func (q Q) StaffIDs(ctx context.Context, communityID int64) ([]int64, error) {
	return q.queryIDs(ctx, "SELECT account_id FROM community_members WHERE community_id = $1 AND role IN ('owner', 'moderator')", communityID)
}

// Ban bans someone from a community (idempotent).
func (tx *Tx) Ban(ctx context.Context, communityID, accountID, by int64, reason string, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO community_bans (community_id, account_id, banned_by, reason, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id, account_id) DO UPDATE SET reason = excluded.reason`,
		communityID, accountID, nullID(by), reason, ms(at))
	if err != nil {
		return fmt.Errorf("ban: %w", err)
	}
	return nil
}

// Unban lifts a ban and reports whether there was one.
func (tx *Tx) Unban(ctx context.Context, communityID, accountID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM community_bans WHERE community_id = $1 AND account_id = $2", communityID, accountID)
	if err != nil {
		return false, fmt.Errorf("unban: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// IsBanned reports whether someone is banned from a community.
func (q Q) IsBanned(ctx context.Context, communityID, accountID int64) (bool, error) {
	var one int
	err := q.q.QueryRowContext(ctx, "SELECT 1 FROM community_bans WHERE community_id = $1 AND account_id = $2",
		communityID, accountID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check ban: %w", err)
	}
	return true, nil
}

// Bans lists a community's banned accounts.
func (q Q) Bans(ctx context.Context, communityID int64, limit int) ([]int64, error) {
	return q.queryIDs(ctx, "SELECT account_id FROM community_bans WHERE community_id = $1 ORDER BY created_at DESC LIMIT $2", communityID, limit)
}

// Invite records an invitation (idempotent).
func (tx *Tx) Invite(ctx context.Context, communityID, accountID, by int64, at time.Time) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO community_invites (community_id, account_id, invited_by, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (community_id, account_id) DO NOTHING`, communityID, accountID, by, ms(at))
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	return nil
}

// TakeInvite consumes an invitation and reports whether there was one.
func (tx *Tx) TakeInvite(ctx context.Context, communityID, accountID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, "DELETE FROM community_invites WHERE community_id = $1 AND account_id = $2", communityID, accountID)
	if err != nil {
		return false, fmt.Errorf("take invite: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// InvitedTo lists the communities an account is invited to.
func (q Q) InvitedTo(ctx context.Context, accountID int64) ([]int64, error) {
	return q.queryIDs(ctx, "SELECT community_id FROM community_invites WHERE account_id = $1 ORDER BY created_at DESC", accountID)
}

// LogEntry is one moderation action.
type LogEntry struct {
	ID              int64
	CommunityID     int64
	ActorID         int64
	Action          string
	TargetAccountID int64
	PostID          int64
	Reason          string
	CreatedAt       time.Time
}

// LogModeration records a moderation action.
func (tx *Tx) LogModeration(ctx context.Context, e LogEntry) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO moderation_log (id, community_id, actor_id, action, target_account_id,
		post_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tx.db.NewID(e.CreatedAt), nullID(e.CommunityID),
		nullID(e.ActorID), e.Action, nullID(e.TargetAccountID), nullID(e.PostID), e.Reason, ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("log moderation: %w", err)
	}
	return nil
}

// ModerationLog pages through a community's moderation log, newest first.
func (q Q) ModerationLog(ctx context.Context, communityID int64, p Page) ([]LogEntry, error) {
	cond, extra, order := p.where("id", 1)
	args := append([]any{communityID}, extra...)
	args = append(args, p.Limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT id, COALESCE(community_id, 0), COALESCE(actor_id, 0), action,
		COALESCE(target_account_id, 0), COALESCE(post_id, 0), reason, created_at FROM moderation_log
		WHERE community_id = $1%s ORDER BY id %s LIMIT $%d`, cond, order, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("read moderation log: %w", err)
	}
	defer rows.Close()
	var out []LogEntry
	for rows.Next() {
		var e LogEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.CommunityID, &e.ActorID, &e.Action, &e.TargetAccountID, &e.PostID, &e.Reason, &created); err != nil {
			return nil, fmt.Errorf("read moderation log: %w", err)
		}
		e.CreatedAt = fromMS(created)
		out = append(out, e)
	}
	if order == "ASC" {
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out, rows.Err()
}

// Report is a report to moderators.
type Report struct {
	ID              int64
	ReporterID      int64
	TargetAccountID int64
	PostID          int64
	CommunityID     int64
	Category        string
	Comment         string
	Status          string
	ResolvedBy      int64
	ResolvedAt      time.Time
	CreatedAt       time.Time
}

// InsertReport files a report.
func (tx *Tx) InsertReport(ctx context.Context, r *Report) error {
	r.ID = tx.db.NewID(r.CreatedAt)
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO reports (id, reporter_id, target_account_id, post_id, community_id,
		category, comment, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)`, r.ID, r.ReporterID,
		r.TargetAccountID, nullID(r.PostID), nullID(r.CommunityID), r.Category, r.Comment, ms(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("file report: %w", err)
	}
	r.Status = "open"
	return nil
}

const reportColumns = `id, reporter_id, target_account_id, COALESCE(post_id, 0), COALESCE(community_id, 0), category,
	comment, status, COALESCE(resolved_by, 0), resolved_at, created_at`

func scanReport(s scanner) (*Report, error) {
	var r Report
	var resolved, created int64
	if err := s.Scan(&r.ID, &r.ReporterID, &r.TargetAccountID, &r.PostID, &r.CommunityID, &r.Category, &r.Comment,
		&r.Status, &r.ResolvedBy, &resolved, &created); err != nil {
		return nil, err
	}
	r.ResolvedAt, r.CreatedAt = fromMS(resolved), fromMS(created)
	return &r, nil
}

// ReportByID loads a report.
func (q Q) ReportByID(ctx context.Context, id int64) (*Report, error) {
	r, err := scanReport(q.q.QueryRowContext(ctx, "SELECT "+reportColumns+" FROM reports WHERE id = $1", id))
	if err != nil {
		return nil, notFound(err, "report")
	}
	return r, nil
}

// Reports lists a community's reports with a status ("" for all), newest
// first; communityID 0 lists the server's own reports.
func (q Q) Reports(ctx context.Context, communityID int64, status string, limit int) ([]*Report, error) {
	where := "community_id = $1"
	args := []any{communityID}
	if communityID == 0 {
		where = "community_id IS NULL AND $1 = 0"
	}
	if status != "" {
		args = append(args, status)
		where += " AND status = $2"
	}
	args = append(args, limit)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf("SELECT "+reportColumns+" FROM reports WHERE %s ORDER BY id DESC LIMIT $%d",
		where, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("list reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResolveReport closes a report as resolved or dismissed.
func (tx *Tx) ResolveReport(ctx context.Context, id int64, status string, by int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE reports SET status = $1, resolved_by = $2, resolved_at = $3 WHERE id = $4 AND status = 'open'",
		status, by, ms(at), id)
	if err != nil {
		return fmt.Errorf("resolve report: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.Errorf(model.ECONFLICT, "this report is already closed")
	}
	return nil
}

// SetPostRemoved marks a post removed by a moderator (or restores it).
func (tx *Tx) SetPostRemoved(ctx context.Context, postID int64, at time.Time) error {
	res, err := tx.tx.ExecContext(ctx, "UPDATE posts SET removed_at = $1 WHERE id = $2", ms(at), postID)
	return mustAffect(res, err, "post")
}

// CommunityPostIDs pages through a community's posts (originals and
// replies; removed ones only when withRemoved).
func (q Q) CommunityPostIDs(ctx context.Context, communityID int64, rootsOnly, withRemoved bool, p Page) ([]int64, error) {
	sel := "SELECT p.id FROM posts p WHERE p.community_id = $1 AND p.reblog_of_id IS NULL"
	if rootsOnly {
		sel += " AND p.in_reply_to_id IS NULL"
	}
	if !withRemoved {
		sel += " AND p.removed_at = 0"
	}
	return q.listIDs(ctx, sel, "p.id", []any{communityID}, p)
}
