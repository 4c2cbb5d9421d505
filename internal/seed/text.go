package seed

import (
	"math/rand/v2"
	"strings"
)

// topic is a subject people post about, in both languages, so that
// synthetic conversations have real keyphrases and hashtags to find.
type topic struct {
	tag              string
	frPhrases        []string
	enPhrases        []string
	frOpen, enOpen   []string
	frClose, enClose []string
}

var topics = []topic{
	{tag: "jardinage",
		frPhrases: []string{"les tomates cerises", "le compost maison", "les semis de printemps", "un potager en permaculture", "la taille des rosiers", "les graines anciennes", "le paillage du potager"},
		enPhrases: []string{"cherry tomatoes", "home compost", "spring seedlings", "a permaculture vegetable garden", "pruning roses", "heirloom seeds", "mulching the garden"}},
	{tag: "cuisine",
		frPhrases: []string{"la pâte à pain", "une tarte aux pommes", "le bouillon de légumes", "la cuisine de saison", "les épices du marché", "un gratin dauphinois", "la fermentation des légumes"},
		enPhrases: []string{"sourdough bread", "an apple pie", "vegetable stock", "seasonal cooking", "market spices", "a potato gratin", "fermented vegetables"}},
	{tag: "vélo",
		frPhrases: []string{"les pistes cyclables", "le vélo cargo", "une sortie en gravel", "la réparation des freins", "les trajets domicile-travail", "le tour de France"},
		enPhrases: []string{"bike lanes", "the cargo bike", "a gravel ride", "fixing the brakes", "the daily commute", "the Tour de France"}},
	{tag: "photo",
		frPhrases: []string{"la lumière du matin", "un objectif argentique", "la photo de rue", "le développement des négatifs", "les portraits en noir et blanc"},
		enPhrases: []string{"morning light", "a film lens", "street photography", "developing negatives", "black and white portraits"}},
	{tag: "logiciel",
		frPhrases: []string{"le logiciel libre", "une base de données", "les tests automatisés", "la sécurité des serveurs", "le déploiement continu", "la fédération des réseaux sociaux"},
		enPhrases: []string{"free software", "a database migration", "automated tests", "server security", "continuous deployment", "the federated social web"}},
	{tag: "lecture",
		frPhrases: []string{"un roman policier", "la rentrée littéraire", "les bibliothèques municipales", "une bande dessinée", "le club de lecture"},
		enPhrases: []string{"a crime novel", "the literary season", "public libraries", "a graphic novel", "the book club"}},
	{tag: "climat",
		frPhrases: []string{"la transition énergétique", "les panneaux solaires", "la rénovation thermique", "les vagues de chaleur", "la biodiversité urbaine"},
		enPhrases: []string{"the energy transition", "solar panels", "home insulation", "heat waves", "urban biodiversity"}},
	{tag: "musique",
		frPhrases: []string{"un concert en plein air", "les vinyles d'occasion", "la guitare acoustique", "le festival d'été", "une chorale de quartier"},
		enPhrases: []string{"an open-air concert", "second-hand vinyl", "acoustic guitar", "the summer festival", "a neighbourhood choir"}},
	{tag: "entreprise",
		frPhrases: []string{"le lancement du produit", "les retours des clients", "la boutique en ligne", "le retour sur investissement", "la communauté de nos clients", "notre nouveau blog"},
		enPhrases: []string{"the product launch", "customer feedback", "the online shop", "return on investment", "our customer community", "our new blog"}},
}

var (
	frOpeners = []string{"Je viens de découvrir", "Quelqu'un a déjà essayé", "Petit retour sur", "Aujourd'hui j'ai travaillé sur", "Vous pensez quoi de", "Enfin terminé", "Je cherche des conseils sur", "Très content de"}
	frMiddles = []string{"et franchement c'est une réussite", "mais je bloque encore un peu", "avec des amis du quartier", "malgré la pluie", "grâce à vos conseils", "depuis plusieurs semaines", "et j'en redemande"}
	frClosers = []string{"Des idées ?", "Merci à tous !", "Je vous tiens au courant.", "Qu'en dites-vous ?", "À suivre.", "Vos avis m'intéressent.", ""}
	enOpeners = []string{"Just discovered", "Has anyone tried", "A quick note on", "Today I worked on", "What do you think about", "Finally finished", "Looking for advice on", "Really happy with"}
	enMiddles = []string{"and honestly it worked out", "but I am still a bit stuck", "with friends from the neighbourhood", "despite the rain", "thanks to your tips", "for a few weeks now", "and I want more"}
	enClosers = []string{"Any ideas?", "Thanks everyone!", "Will keep you posted.", "What do you say?", "More soon.", "Your opinions welcome.", ""}
	replyFR   = []string{"Bonne idée, merci !", "J'ai eu le même souci", "Tu peux en dire plus ?", "Essaie plutôt", "Complètement d'accord avec toi sur", "Super, bravo pour"}
	replyEN   = []string{"Great idea, thanks!", "I had the same problem with", "Can you tell us more?", "Try this instead:", "Totally agree with you on", "Nice, well done on"}
	firstFR   = []string{"Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Hugo", "Lucas", "Louis", "Gabriel", "Arthur", "Jules", "Nathan", "Élodie", "Théo", "Margaux", "Maxime", "Sarah", "Antoine"}
	firstEN   = []string{"Olivia", "Emma", "Amelia", "Isla", "Ava", "Noah", "Oliver", "George", "Leo", "Arthur", "Harry", "Jack", "Grace", "Freya", "Sophie", "Ethan", "Mia", "Liam", "Zoe", "Ruby"}
	lastNames = []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Roux", "Fournier", "Girard", "Bonnet"}
)

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// postText writes a post in lang about t, sometimes with a hashtag, a link
// or a mention.
func postText(r *rand.Rand, lang string, t *topic, mention string) string {
	var b strings.Builder
	phrases, open, mid, end := t.enPhrases, enOpeners, enMiddles, enClosers
	if lang == "fr" {
		phrases, open, mid, end = t.frPhrases, frOpeners, frMiddles, frClosers
	}
	if mention != "" {
		b.WriteString("@" + mention + " ")
	}
	b.WriteString(pick(r, open))
	b.WriteByte(' ')
	b.WriteString(pick(r, phrases))
	b.WriteByte(' ')
	b.WriteString(pick(r, mid))
	b.WriteString(". ")
	if r.IntN(2) == 0 {
		b.WriteString(capitalize(pick(r, phrases)))
		b.WriteString(" ")
		b.WriteString(pick(r, mid))
		b.WriteString(". ")
	}
	b.WriteString(pick(r, end))
	if r.IntN(10) < 3 {
		b.WriteString(" #" + t.tag)
	}
	if r.IntN(10) == 0 {
		b.WriteString(" https://example.org/" + t.tag + "/" + itoa(r.IntN(1000)))
	}
	return strings.TrimSpace(b.String())
}

func replyText(r *rand.Rand, lang string, t *topic, mention string) string {
	phrases, openers := t.enPhrases, replyEN
	if lang == "fr" {
		phrases, openers = t.frPhrases, replyFR
	}
	s := "@" + mention + " " + pick(r, openers) + " " + pick(r, phrases)
	if r.IntN(4) == 0 {
		if lang == "fr" {
			s += " ? Comment tu fais ?"
		} else {
			s += "? How do you do it?"
		}
	}
	return s
}

func capitalize(s string) string {
	for i, c := range s {
		return strings.ToUpper(string(c)) + s[i+len(string(c)):]
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
