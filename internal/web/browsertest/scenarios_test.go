package browsertest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
)

func TestFirstRunAndSignUp(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	c := startChrome(t, env)

	owner := c.tab("owner")
	owner.open("/")
	if p := owner.path(); p != "/setup" {
		t.Fatalf("a fresh server's front page goes to %s, want /setup", p)
	}
	owner.typeIn("#username", "admin")
	owner.typeIn("#email", "admin@example.org")
	owner.typeIn("#password", adminPassword)
	owner.typeIn("#password_confirm", adminPassword)
	owner.choose("#registrations", "open")
	owner.clickAndLoad("form.form button[type=submit]")
	if owner.has("#form-error") {
		t.Fatalf("first run refused: %s", owner.text("#form-error"))
	}
	if !owner.has(`nav a[href="/admin"]`) {
		t.Fatalf("after the first run, the admin has no link to the administration (at %s)", owner.path())
	}
	owner.open("/admin")
	if h := owner.text("h1"); h == "" {
		t.Fatalf("the admin page has no heading")
	}

	// A newcomer signs up, in French as their browser asks.
	newcomer := c.tab("newcomer")
	newcomer.acceptLanguage("fr-FR,fr;q=0.9")
	newcomer.open("/signup")
	if lang := eval[string](newcomer, "document.documentElement.lang"); lang != "fr" {
		t.Fatalf("a French browser gets the sign-up page in %q", lang)
	}
	newcomer.typeIn("#username", "camille")
	newcomer.typeIn("#email", "camille@example.org")
	// A mismatched confirmation comes back with a message and the name kept.
	newcomer.typeIn("#password", "un mot de passe long")
	newcomer.typeIn("#password_confirm", "un autre mot de passe")
	newcomer.clickAndLoad("form.form button[type=submit]")
	if !newcomer.has("#form-error") || eval[string](newcomer, "document.getElementById('username').value") != "camille" {
		t.Fatalf("a mismatched password confirmation: no message, or the username was lost")
	}
	newcomer.clear("#password")
	newcomer.clear("#password_confirm")
	newcomer.typeIn("#password", "un mot de passe long")
	newcomer.typeIn("#password_confirm", "un mot de passe long")
	newcomer.clickAndLoad("form.form button[type=submit]")
	if !strings.Contains(newcomer.text("main"), "camille") || !newcomer.has("#compose-text") {
		t.Fatalf("after sign-up, home does not greet camille with the compose form (at %s): %s", newcomer.path(), newcomer.text("main"))
	}
}

func TestComposeWithAnImage(t *testing.T) {
	w := newWorld(t)
	w.person("camille")
	b := w.as("camille")
	b.open("/")
	b.mark()
	b.typeIn("#compose-text", "Lever de soleil sur le canal #photo")
	// The counter follows the typing.
	b.waitUntil("the counter to count down", `/\d/.test(document.getElementById('compose-counter').textContent) &&
		!document.getElementById('compose-counter').textContent.includes('500 ')`, 5*time.Second)
	b.click("details.attach summary")
	b.upload("#media-1", writePNG(t, 320, 200))
	b.typeIn("#alt-1", "A yellow sun over a pink and blue gradient")
	b.click("form.compose button[type=submit]")
	// The post appears at the top of the timeline, without a reload.
	b.waitUntil("the new post on the home timeline", `!!document.querySelector('section.timeline article img[alt="A yellow sun over a pink and blue gradient"]')`, 15*time.Second)
	if !b.marked() {
		t.Fatalf("publishing reloaded the page")
	}
	if v := eval[string](b, "document.getElementById('compose-text').value"); v != "" {
		t.Errorf("the compose form kept the text after publishing: %q", v)
	}
	// On the post's page the image is there, loaded, with its description.
	b.clickAndLoad("section.timeline article a.when")
	b.waitUntil("the image to load", `(() => { const i = document.querySelector('article.focus .gallery img');
		return !!i && i.complete && i.naturalWidth > 0 && i.alt === 'A yellow sun over a pink and blue gradient'; })()`, 10*time.Second)
	if !strings.Contains(b.text("article.focus"), "Lever de soleil sur le canal") {
		t.Fatalf("the post page lacks the text: %s", b.text("article.focus"))
	}
}

func TestFollowAndLike(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	post := w.publish("alice", social.PostInput{Text: "Le marché du samedi est de retour"})
	b := w.as("bob")

	b.open("/@alice")
	b.clickAndLoad(`form.relate button[formaction$="/follow"]`)
	if !b.has(`form.relate button[formaction$="/unfollow"]`) {
		t.Fatalf("after following, alice's profile offers no unfollow button")
	}
	eventually(t, "bob following alice", func() bool {
		return strings.Contains(w.http["alice"].Get("/@alice/followers").Body, `href="/@bob"`)
	})

	b.open(threadOf(post, "alice"))
	b.mark()
	fav := fmt.Sprintf(`#a-%d button[formaction$="/favourite"]`, post.ID)
	b.click(fav)
	b.waitUntil("the favourite to be pressed", fmt.Sprintf(`(() => { const x = document.querySelector('#a-%d button[formaction$="/unfavourite"]');
		return !!x && x.getAttribute('aria-pressed') === 'true' && x.querySelector('.count').textContent.trim() === '1'; })()`, post.ID), 10*time.Second)
	if !b.marked() {
		t.Fatalf("liking reloaded the page")
	}
	// The focus stays on the button pressed, for keyboard users.
	if !eval[bool](b, fmt.Sprintf(`document.activeElement && document.activeElement.closest('#a-%d') !== null`, post.ID)) {
		t.Errorf("the focus left the action bar after liking")
	}
	if body := w.http["alice"].Get("/notifications").Body; !strings.Contains(body, "bob") {
		t.Errorf("alice's notifications do not tell that bob liked her post")
	}
}

func TestCommunityJoinAndReplyInAThread(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	cid := w.community("alice", "jardins", "Jardins partagés")
	id, _ := model.ParseID(cid)
	post := w.publish("alice", social.PostInput{Text: "Qui a des graines de fèves ?", CommunityID: id})

	b := w.as("bob")
	b.open("/c/jardins")
	b.clickAndLoad(`form.relate button[formaction$="/join"]`)
	if !b.has(`form.relate button[formaction$="/leave"]`) || !b.has("form.compose") {
		t.Fatalf("after joining, the community page has no leave button or compose form")
	}
	b.open(threadOf(post, "alice"))
	b.mark()
	b.typeIn("#compose-text", " j'en ai plein, passe demain")
	b.click("form.compose button[type=submit]")
	b.waitUntil("the reply in the thread", fmt.Sprintf(`(() => { const k = document.getElementById('k-%d');
		return !!k && k.innerText.includes("j'en ai plein"); })()`, post.ID), 15*time.Second)
	if !b.marked() {
		t.Fatalf("replying reloaded the page")
	}
	// After a reload, the reply is still there, as a reply.
	b.open(threadOf(post, "alice"))
	if !strings.Contains(b.text(fmt.Sprintf("#k-%d", post.ID)), "j'en ai plein") {
		t.Fatalf("the reply is not under the post after a reload")
	}
}

func TestThreadShowsANewReplyLive(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	post := w.publish("alice", social.PostInput{Text: "Quelqu'un pour réparer un vélo ?"})
	b := w.as("bob")
	b.open(threadOf(post, "alice"))
	b.mark()
	// The page's stream is open before alice answers.
	b.waitUntil("the thread's event stream to open", `document.querySelector('section[data-live]').dataset.liveState === 'open'`, 15*time.Second)
	w.form("alice", threadOf(post, "alice"), "/compose", url.Values{"text": {"Moi, jeudi soir à l'atelier"},
		"in_reply_to": {model.FormatID(post.ID)}, "visibility": {"public"}})
	b.waitUntil("alice's reply to arrive", fmt.Sprintf(`(() => { const k = document.getElementById('k-%d');
		return !!k && k.innerText.includes("jeudi soir à l'atelier"); })()`, post.ID), 15*time.Second)
	if !b.marked() {
		t.Fatalf("the reply arrived by reloading the page")
	}
	if s := b.text("#live-status"); !strings.Contains(s, "alice") {
		t.Errorf("the arrival was not announced to screen readers: %q", s)
	}
}

func TestInboxItemGoesAwayAfterAReply(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	q := w.publish("bob", social.PostInput{Text: "@alice tu viens à l'atelier samedi ?"})
	b := w.as("alice")
	b.open("/replies")
	item := fmt.Sprintf("#i-%d", q.ID)
	if !b.has(item) || !b.has("[data-awaiting]") {
		t.Fatalf("the inbox does not list bob's question")
	}
	b.mark()
	b.click(item + " details.reply-box summary")
	b.typeIn(item+" textarea", "oui, j'apporte le café")
	b.click(item + " form.quick-reply button[type=submit]")
	b.waitUntil("the answered item to leave the inbox", fmt.Sprintf(`!document.querySelector('#i-%d')`, q.ID), 15*time.Second)
	if !b.marked() {
		t.Fatalf("answering from the inbox reloaded the page")
	}
	if b.has("[data-awaiting]") {
		t.Errorf("the navigation still counts a post awaiting a reply")
	}
	// Without the script's help, the server agrees.
	b.open("/replies")
	if b.has(item) {
		t.Fatalf("after a reload, the answered item is back in the inbox")
	}
	if body := w.http["bob"].Get(threadOf(q, "bob")).Body; !strings.Contains(body, "j&#39;apporte le café") {
		t.Fatalf("the reply is not in bob's thread")
	}
}

func TestInsightsShowsCharts(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	for i := range 3 {
		p := w.publish("alice", social.PostInput{Text: fmt.Sprintf("Billet %d sur le #compost", i)})
		if err := w.env.App.Service.Favourite(t.Context(), w.actor("bob"), p.ID); err != nil {
			t.Fatal(err)
		}
		w.publish("bob", social.PostInput{Text: "@alice merci !", InReplyToID: p.ID})
	}
	b := w.as("alice")
	b.open("/insights")
	n := eval[int](b, "document.querySelectorAll('main svg').length")
	if n == 0 {
		t.Fatalf("the insights page has no chart")
	}
	// Each chart is described for those who cannot see it.
	bad := eval[int](b, `Array.from(document.querySelectorAll('main svg')).filter(s =>
		!(s.getAttribute('aria-hidden') === 'true' || s.getAttribute('aria-label') || s.getAttribute('aria-labelledby') || s.querySelector('title'))).length`)
	if bad > 0 {
		t.Errorf("%d of %d charts have no text alternative", bad, n)
	}
	if h := eval[float64](b, "document.querySelector('main svg').getBoundingClientRect().height"); h < 20 {
		t.Errorf("the first chart is %.0f px high", h)
	}
}

// Without JavaScript, the same actions work with ordinary page loads.
func TestWorksWithoutJavaScript(t *testing.T) {
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	post := w.publish("alice", social.PostInput{Text: "Sans script aussi"})
	b := w.as("bob")
	b.disableScripts()
	b.open(threadOf(post, "alice"))
	if eval[bool](b, "true") != true {
		t.Fatalf("evaluation broken")
	}
	b.clickAndLoad(fmt.Sprintf(`#a-%d button[formaction$="/favourite"]`, post.ID))
	if !b.has(fmt.Sprintf(`#a-%d button[formaction$="/unfavourite"][aria-pressed=true]`, post.ID)) {
		t.Fatalf("liking without JavaScript did not stick")
	}
	b.typeIn("#compose-text", " je passe sans script")
	b.clickAndLoad("form.compose button[type=submit]")
	if !strings.Contains(b.text("main"), "je passe sans script") {
		t.Fatalf("replying without JavaScript: the reply is not on the page at %s", b.path())
	}
}

// Someone who asks for it cannot post an image without a description:
// the form comes back with the message and the image kept, and once it
// is described the post goes out.
func TestAltTextCanBeRequired(t *testing.T) {
	w := newWorld(t)
	w.person("camille")
	b := w.as("camille")
	b.open("/settings")
	b.click(`input[name=require_alt]`)
	b.clickAndLoad(`form[action="/settings/posting"] button[type=submit]`)
	if !eval[bool](b, `document.querySelector('input[name=require_alt]').checked`) {
		t.Fatalf("the alt text setting was not saved")
	}
	b.open("/")
	b.typeIn("#compose-text", "Sans description")
	b.click("details.attach summary")
	b.upload("#media-1", writePNG(t, 120, 80))
	b.click("form.compose button[type=submit]")
	b.waitUntil("the refusal", `!!document.querySelector('.js-error') && document.querySelector('.js-error').textContent.includes('describe every image')`, 15*time.Second)
	if b.has("section.timeline article") {
		t.Fatalf("the post without a description was published")
	}
	// The uploaded image is kept in the form; describing it is enough.
	if !b.has("form.compose .kept textarea") {
		t.Fatalf("the refused form lost the uploaded image")
	}
	b.typeIn("form.compose .kept textarea", "A yellow disc")
	b.click("form.compose button[type=submit]")
	b.waitUntil("the post with its described image", `!!document.querySelector('section.timeline article img[alt="A yellow disc"]')`, 15*time.Second)
	// Turned off, an image without a description goes out again.
	b.open("/settings")
	b.click(`input[name=require_alt]`)
	b.clickAndLoad(`form[action="/settings/posting"] button[type=submit]`)
	b.open("/")
	b.typeIn("#compose-text", "Sans description, permis")
	b.click("details.attach summary")
	b.upload("#media-1", writePNG(t, 120, 80))
	b.click("form.compose button[type=submit]")
	b.waitUntil("the post without a description", `Array.from(document.querySelectorAll('section.timeline article')).some(a => a.innerText.includes('Sans description, permis'))`, 15*time.Second)
}
