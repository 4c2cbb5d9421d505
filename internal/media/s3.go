package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"parvis/internal/model"
)

// S3Config locates a bucket of an S3-compatible object store.
type S3Config struct {
	// Endpoint is the server's host[:port], without scheme.
	Endpoint string
	// Insecure talks plain HTTP instead of HTTPS (a store on a private
	// network or in tests).
	Insecure bool
	// Bucket holds the files; Prefix, if any, is put before every key
	// ("parvis/" keeps them under parvis/attachments/…).
	Bucket string
	Prefix string
	// Region is the bucket's region; empty asks the server once.
	Region string
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint; by default virtual-host style is used for Amazon's
	// endpoints and path style for every other server.
	PathStyle bool
	// AccessKey, SecretKey and SessionToken sign the requests
	// (signature version 4).
	AccessKey, SecretKey, SessionToken string
	// MaxBytes bounds what Put accepts from a reader whose length it does
	// not know beforehand (it is read into memory first); zero means
	// DefaultMaxBytes. Readers of known length (bytes.Reader…) are sent as
	// they are: their size was bounded when the upload was processed.
	MaxBytes int64
	// Transport carries the requests; nil means Go's default transport.
	Transport http.RoundTripper
}

// ParseS3URL reads the location of a bucket from a URL of the form
//
//	https://s3.example.com/BUCKET[/PREFIX][?region=REGION&path_style=true]
//
// "http://" talks plain HTTP. Credentials never go in the URL: they come
// from the environment (see cmd/parvis), so a URL with a user name or a
// password is refused.
func ParseS3URL(raw string) (S3Config, error) {
	var c S3Config
	u, err := url.Parse(raw)
	if err != nil {
		return c, fmt.Errorf("media S3 URL: %w", err)
	}
	if u.User != nil {
		return c, errors.New("media S3 URL: credentials do not belong in the URL; set PARVIS_S3_ACCESS_KEY and PARVIS_S3_SECRET_KEY")
	}
	switch u.Scheme {
	case "https":
	case "http":
		c.Insecure = true
	default:
		return c, fmt.Errorf("media S3 URL %q: want https://ENDPOINT/BUCKET[/PREFIX] (or http:// for a store without TLS)", raw)
	}
	if u.Host == "" {
		return c, fmt.Errorf("media S3 URL %q: no endpoint host", raw)
	}
	c.Endpoint = u.Host
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return c, fmt.Errorf("media S3 URL %q: no bucket (the first segment of the path)", raw)
	}
	c.Bucket = bucket
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		if err := ValidateKey(prefix); err != nil {
			return c, fmt.Errorf("media S3 URL %q: prefix: %w", raw, err)
		}
		c.Prefix = prefix + "/"
	}
	q := u.Query()
	for k := range q {
		if k != "region" && k != "path_style" {
			return c, fmt.Errorf("media S3 URL %q: unknown parameter %q (known: region, path_style)", raw, k)
		}
	}
	c.Region = q.Get("region")
	switch q.Get("path_style") {
	case "", "false", "0":
	case "true", "1":
		c.PathStyle = true
	default:
		return c, fmt.Errorf("media S3 URL %q: path_style must be true or false", raw)
	}
	return c, nil
}

// String shows where the store is, without credentials.
func (c S3Config) String() string {
	scheme := "https"
	if c.Insecure {
		scheme = "http"
	}
	return scheme + "://" + c.Endpoint + "/" + c.Bucket + "/" + c.Prefix
}

// S3Store is a Store in a bucket of an S3-compatible object store (Amazon
// S3, MinIO, Garage, Ceph's RADOS Gateway, Cloudflare R2…), through the
// minio-go client. Keys are object names (after the configured prefix), so
// the bucket's layout is the store's key space. An S3 PUT makes an object
// appear whole or not at all, so readers never see a partial file. Every
// node of an installation pointed at the same bucket sees the same files.
type S3Store struct {
	client    *minio.Client
	core      minio.Core
	cfg       S3Config
	urlPrefix string
}

var _ Store = (*S3Store)(nil)

// NewS3Store returns a store on the bucket cfg names, serving keys under
// urlPrefix (for example "/media"). It makes no request: Check does.
func NewS3Store(cfg S3Config, urlPrefix string) (*S3Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("media: an S3 store needs an endpoint and a bucket")
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("media: an S3 store needs an access key and a secret key (PARVIS_S3_ACCESS_KEY, PARVIS_S3_SECRET_KEY or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)")
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	opts := &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure:    !cfg.Insecure,
		Region:    cfg.Region,
		Transport: cfg.Transport,
		// A few quick retries (0.2 s, 0.4 s): a person waits on them, and
		// an outage is better reported at once than after the default ten.
		MaxRetries: 3,
	}
	if cfg.PathStyle {
		opts.BucketLookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("media: S3 client for %s: %w", cfg, err)
	}
	return &S3Store{client: client, core: minio.Core{Client: client}, cfg: cfg,
		urlPrefix: strings.TrimSuffix(urlPrefix, "/")}, nil
}

// Check verifies that the bucket exists and the credentials may use it, so
// that a wrong setting stops the server at start rather than failing each
// upload.
func (s *S3Store) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("media: S3 store %s: %w", s.cfg, err)
	}
	if !ok {
		return fmt.Errorf("media: S3 store %s: the bucket %q does not exist", s.cfg, s.cfg.Bucket)
	}
	return nil
}

// errUnavailable is what callers see when the object store fails: a 503
// for the person, the cause in the logs.
var errUnavailable = model.Errorf(model.EUNAVAILABLE, "the media store is unavailable; try again later")

// fail turns a client error into a Store error: ENOTFOUND for a missing
// object, the context's error if it ended, EUNAVAILABLE otherwise (the
// store unreachable, refusing the credentials, or a missing bucket).
func (s *S3Store) fail(ctx context.Context, op, key string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("media: S3 %s %s: %w", op, key, ctxErr)
	}
	// Only NoSuchKey is a missing file: servers answer other mistakes
	// (an unknown access key, a missing bucket) with 404s too.
	resp := minio.ToErrorResponse(err)
	if op == "get" && (resp.Code == minio.NoSuchKey || (resp.Code == "" && resp.StatusCode == http.StatusNotFound)) {
		return model.Errorf(model.ENOTFOUND, "media file %q not found", key)
	}
	return fmt.Errorf("%w: S3 %s %s on %s: %w", errUnavailable, op, key, s.cfg, err)
}

// Put implements Store.
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok {
		size = int64(l.Len())
	} else {
		// Without a length the client would buffer a multipart upload's
		// part of many megabytes; read it here instead, bounded.
		data, err := io.ReadAll(io.LimitReader(contextReader{ctx, r}, s.cfg.MaxBytes+1))
		if err != nil {
			return fmt.Errorf("media: read %s: %w", key, err)
		}
		if int64(len(data)) > s.cfg.MaxBytes {
			return model.Errorf(model.ETOOLARGE, "media file is larger than %d bytes", s.cfg.MaxBytes)
		}
		r, size = bytes.NewReader(data), int64(len(data))
	}
	_, err := s.client.PutObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, r, size, minio.PutObjectOptions{
		ContentType: contentType(key),
		// Names are never reused: a CDN or a browser reading the bucket
		// directly may keep them forever.
		CacheControl: "public, max-age=31536000, immutable",
	})
	if err != nil {
		return s.fail(ctx, "put", key, err)
	}
	return nil
}

// Open implements Store. The returned file is an io.ReadSeeker that reads
// the object as one stream, and opens a ranged request only when a reader
// seeks elsewhere (as http.ServeContent does for a Range request); it also
// tells its size and ETag.
func (s *S3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	body, info, _, err := s.core.GetObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail(ctx, "get", key, err)
	}
	return &s3File{s: s, ctx: ctx, key: key, body: body, size: info.Size, etag: info.ETag}, nil
}

// Delete implements Store. S3 answers a delete of a missing object with
// success, as Store wants.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.cfg.Prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return s.fail(ctx, "delete", key, err)
	}
	return nil
}

// URLPath implements Store: files are served by Parvis, which reads them
// from the bucket.
func (s *S3Store) URLPath(key string) string { return s.urlPrefix + "/" + key }

// contentType is the type stored with an object, from its extension.
func contentType(key string) string {
	if t := mime.TypeByExtension(path.Ext(key)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// s3File reads an object. body streams from bodyAt; pos is where the
// reader is. A Seek only moves pos; the next Read, if pos is not where the
// stream is, closes it and asks for the rest of the object from pos.
type s3File struct {
	s      *S3Store
	ctx    context.Context
	key    string
	body   io.ReadCloser
	bodyAt int64
	pos    int64
	size   int64
	etag   string
}

// Size is the object's length in bytes.
func (f *s3File) Size() int64 { return f.size }

// ETag is the object's entity tag as the store gave it (without quotes).
func (f *s3File) ETag() string { return f.etag }

func (f *s3File) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if f.body == nil || f.bodyAt != f.pos {
		if f.body != nil {
			f.body.Close()
			f.body = nil
		}
		opts := minio.GetObjectOptions{}
		if f.pos > 0 {
			if err := opts.SetRange(f.pos, 0); err != nil {
				return 0, err
			}
		}
		body, _, _, err := f.s.core.GetObject(f.ctx, f.s.cfg.Bucket, f.s.cfg.Prefix+f.key, opts)
		if err != nil {
			return 0, f.s.fail(f.ctx, "get", f.key, err)
		}
		f.body, f.bodyAt = body, f.pos
	}
	n, err := f.body.Read(p)
	f.pos += int64(n)
	f.bodyAt = f.pos
	if err == io.EOF && f.pos < f.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (f *s3File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, errors.New("media: seek: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("media: seek: negative position")
	}
	f.pos = offset
	return offset, nil
}

func (f *s3File) Close() error {
	if f.body == nil {
		return nil
	}
	err := f.body.Close()
	f.body = nil
	return err
}
