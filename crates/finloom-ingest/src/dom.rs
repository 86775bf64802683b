//! The tree html5ever builds for the walker: the smallest one that works.
//!
//! **Why not scraper's `Html`.** It is built for CSS selectors: every element's attributes
//! go into a hash map keyed by qualified name, and the tree keeps doctypes, processing
//! instructions and per-element caches the walker never reads. On the dev corpus's 10-K and
//! 10-Q documents, html5ever's tokenizer alone takes about 1.0 s of the 1.45 s that parsing
//! into scraper's tree took; the rest is the tree builder and that tree. Here an element keeps
//! the tokenizer's own `Vec<Attribute>` as it came (the tokenizer has already dropped
//! duplicate attributes, so a lookup by name finds what a map would), and the tree is the
//! same `ego_tree` arena scraper uses, so the walk is unchanged.
//!
//! The tree-building operations do what scraper's do — text appended next to a text node
//! joins it, a `<template>`'s content goes into a fragment child, `add_attrs_if_missing`
//! keeps existing values — so the tree, and therefore the model, is the same.

use std::borrow::Cow;

use ego_tree::{NodeId, Tree};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::{local_name, namespace_url, ns, Attribute, ExpandedName, QualName};

/// A node of the parsed document.
pub(crate) enum Node {
    /// The document root.
    Document,
    /// A `<template>`'s content.
    Fragment,
    Element(Element),
    Text(StrTendril),
    Comment(StrTendril),
    /// A doctype or processing instruction: kept out of the walk.
    Other,
}

impl Node {
    pub(crate) fn as_element(&self) -> Option<&Element> {
        match self {
            Node::Element(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn as_text(&self) -> Option<&str> {
        match self {
            Node::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// An element: its name and its attributes in source order.
pub(crate) struct Element {
    pub(crate) name: QualName,
    pub(crate) attrs: Vec<Attribute>,
}

impl Element {
    /// The local name (`div`, `ix:nonfraction`: lower case, as html5ever gives it).
    pub(crate) fn name(&self) -> &str {
        &self.name.local
    }

    /// `(local name, value)` of each attribute.
    pub(crate) fn attrs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs.iter().map(|a| (&*a.name.local, &*a.value))
    }

    /// The value of the attribute without a namespace named `name`.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name.ns == ns!() && &*a.name.local == name)
            .map(|a| &*a.value)
    }
}

/// A parsed document.
pub(crate) struct Dom {
    pub(crate) tree: Tree<Node>,
}

/// Parses a whole document the way a browser does (html5ever's defaults, as scraper used).
pub(crate) fn parse_document(html: &str) -> Dom {
    html5ever::parse_document(
        Dom {
            tree: Tree::new(Node::Document),
        },
        Default::default(),
    )
    .one(html)
}

impl Dom {
    fn element(&self, id: NodeId) -> &Element {
        self.tree
            .get(id)
            .and_then(|n| n.value().as_element())
            .expect("html5ever asks element questions of elements only")
    }
}

/// Appends `text` to `target`'s text node, if it is one; returns whether it did.
fn join_text(target: Option<ego_tree::NodeMut<'_, Node>>, text: &StrTendril) -> bool {
    match target {
        Some(mut n) => match n.value() {
            Node::Text(t) => {
                t.push_tendril(text);
                true
            }
            _ => false,
        },
        None => false,
    }
}

impl TreeSink for Dom {
    type Handle = NodeId;
    type Output = Self;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&mut self, _msg: Cow<'static, str>) {}

    fn get_document(&mut self) -> NodeId {
        self.tree.root().id()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> ExpandedName<'a> {
        self.element(*target).name.expanded()
    }

    fn create_element(&mut self, name: QualName, attrs: Vec<Attribute>, _: ElementFlags) -> NodeId {
        let template = name.ns == ns!(html) && name.local == local_name!("template");
        let mut node = self.tree.orphan(Node::Element(Element { name, attrs }));
        if template {
            node.append(Node::Fragment);
        }
        node.id()
    }

    fn create_comment(&mut self, text: StrTendril) -> NodeId {
        self.tree.orphan(Node::Comment(text)).id()
    }

    fn create_pi(&mut self, _target: StrTendril, _data: StrTendril) -> NodeId {
        self.tree.orphan(Node::Other).id()
    }

    fn append(&mut self, parent: &NodeId, child: NodeOrText<NodeId>) {
        let mut parent = self.tree.get_mut(*parent).expect("a node of this tree");
        match child {
            NodeOrText::AppendNode(id) => {
                parent.append_id(id);
            }
            NodeOrText::AppendText(text) => {
                if !join_text(parent.last_child(), &text) {
                    parent.append(Node::Text(text));
                }
            }
        }
    }

    fn append_based_on_parent_node(
        &mut self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        let has_parent = self
            .tree
            .get(*element)
            .is_some_and(|n| n.parent().is_some());
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&mut self, _: StrTendril, _: StrTendril, _: StrTendril) {
        self.tree.root_mut().append(Node::Other);
    }

    fn get_template_contents(&mut self, target: &NodeId) -> NodeId {
        self.tree
            .get(*target)
            .and_then(|n| n.first_child())
            .expect("a template has its fragment")
            .id()
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        x == y
    }

    fn set_quirks_mode(&mut self, _mode: QuirksMode) {}

    fn append_before_sibling(&mut self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        if let NodeOrText::AppendNode(id) = new_node {
            self.tree.get_mut(id).expect("a node of this tree").detach();
        }
        let mut sibling = self.tree.get_mut(*sibling).expect("a node of this tree");
        if sibling.parent().is_none() {
            return;
        }
        match new_node {
            NodeOrText::AppendNode(id) => {
                sibling.insert_id_before(id);
            }
            NodeOrText::AppendText(text) => {
                if !join_text(sibling.prev_sibling(), &text) {
                    sibling.insert_before(Node::Text(text));
                }
            }
        }
    }

    fn add_attrs_if_missing(&mut self, target: &NodeId, attrs: Vec<Attribute>) {
        let mut node = self.tree.get_mut(*target).expect("a node of this tree");
        let Node::Element(el) = node.value() else {
            return;
        };
        for a in attrs {
            if !el.attrs.iter().any(|e| e.name == a.name) {
                el.attrs.push(a);
            }
        }
    }

    fn associate_with_form(
        &mut self,
        _target: &NodeId,
        _form: &NodeId,
        _nodes: (&NodeId, Option<&NodeId>),
    ) {
    }

    fn remove_from_parent(&mut self, target: &NodeId) {
        self.tree
            .get_mut(*target)
            .expect("a node of this tree")
            .detach();
    }

    fn reparent_children(&mut self, node: &NodeId, new_parent: &NodeId) {
        self.tree
            .get_mut(*new_parent)
            .expect("a node of this tree")
            .reparent_from_id_append(*node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per node, pre-order, indented by depth: kind, name, attributes (sorted, as
    /// scraper keeps them in a map), text. `line` describes one node of either tree.
    fn dump<T>(tree: &ego_tree::Tree<T>, line: impl Fn(&T) -> String) -> String {
        let mut out = String::new();
        for edge in tree.root().traverse() {
            if let ego_tree::iter::Edge::Open(n) = edge {
                let depth = n.ancestors().count();
                out.push_str(&format!("{}{}\n", "  ".repeat(depth), line(n.value())));
            }
        }
        out
    }

    fn element_line(ns: &html5ever::Namespace, local: &str, mut attrs: Vec<String>) -> String {
        attrs.sort();
        format!("element {ns:?}:{local} {}", attrs.join(" "))
    }

    fn dump_ours(dom: &Dom) -> String {
        dump(&dom.tree, |n| match n {
            Node::Document => "document".to_string(),
            Node::Fragment => "fragment".to_string(),
            Node::Other => "other".to_string(),
            Node::Comment(c) => format!("comment {:?}", &**c),
            Node::Text(t) => format!("text {:?}", &**t),
            Node::Element(e) => element_line(
                &e.name.ns,
                &e.name.local,
                e.attrs
                    .iter()
                    .map(|a| format!("{:?}:{}={:?}", a.name.ns, a.name.local, &*a.value))
                    .collect(),
            ),
        })
    }

    fn dump_scraper(html: &scraper::Html) -> String {
        use scraper::Node as S;
        dump(&html.tree, |n| match n {
            S::Document => "document".to_string(),
            S::Fragment => "fragment".to_string(),
            S::Doctype(_) | S::ProcessingInstruction(_) => "other".to_string(),
            S::Comment(c) => format!("comment {:?}", &**c),
            S::Text(t) => format!("text {:?}", &**t),
            S::Element(e) => element_line(
                &e.name.ns,
                &e.name.local,
                e.attrs
                    .iter()
                    .map(|(k, v)| format!("{:?}:{}={:?}", k.ns, k.local, &**v))
                    .collect(),
            ),
        })
    }

    /// Both ways of building our tree (html5ever's tokenizer, and the fast one where it
    /// accepts the input) against scraper's; returns whether the fast one accepted it.
    fn same_tree(html: &str, what: &str) -> bool {
        let theirs = dump_scraper(&scraper::Html::parse_document(html));
        let slow = dump_ours(&parse_document(html));
        compare(&slow, &theirs, &format!("{what} (html5ever's tokenizer)"));
        match crate::tokenize::parse_document(html) {
            Ok(dom) => {
                compare(
                    &dump_ours(&dom),
                    &theirs,
                    &format!("{what} (fast tokenizer)"),
                );
                true
            }
            Err(_) => false,
        }
    }

    fn compare(ours: &str, theirs: &str, what: &str) {
        if ours != theirs {
            let at = ours
                .lines()
                .zip(theirs.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{what}: trees differ at node {at}:\n ours: {:?}\n scraper: {:?}",
                ours.lines().nth(at),
                theirs.lines().nth(at)
            );
        }
    }

    /// The tree-building cases where a sink does more than append: foster parenting, the
    /// adoption agency, templates, repeated `<html>`/`<body>` attributes, foreign content,
    /// text joined across inserted nodes.
    #[test]
    fn same_tree_as_scraper_on_the_tree_builders_hard_cases() {
        for (i, html) in [
            "<table>a<tr>b<td>c</td>d</tr>e</table>f",
            "<table><tr><td>x</td></tr><b>bold<i>it</table>after",
            "<p>1<b>2<i>3</b>4</i>5</p>",
            "<a href=x>1<p>2</a>3</p>",
            "<b><b><b><b>x</b></b></b></b><b>y",
            "<template><td>cell</td><p>para</template><p>out",
            "<html lang=en><body class=a><html data-x=1 lang=fr><body class=b id=c>t",
            "<svg><title>t</title><![CDATA[<x>]]><foreignObject><p>p</p></foreignObject></svg>",
            "<math><mi>x</mi><annotation-xml encoding='text/html'><div>d</div></annotation-xml></math>",
            "<select><option>1<option>2</select><form><input><table><form><tr><td>x",
            "<frameset><frame></frameset>",
            "<!DOCTYPE html><?pi data?><!--c--><title>a&amp;b</title><p>x&nbsp;y<br>z",
            "<div>a<table><tr><td>b</td></tr></table>c<table>d<tr>e</table>f</div>",
            "<p a=1 a=2 b='3' c=4>dup</p><P STYLE=\"font-weight:bold\">caps</P>",
            "<ix:nonFraction name='us-gaap:Revenue' contextRef=c scale=6>1,234</ix:nonFraction>",
            "text<table><tbody>1<tr>2</tr>3</tbody>4</table>",
            "",
        ]
        .iter()
        .enumerate()
        {
            same_tree(html, &format!("case {i}"));
        }
    }

    /// The fast tokenizer's own edge cases: character references (named with and without
    /// `;`, the attribute rule, numeric with the C1 table and invalid values), comments,
    /// bogus comments, DOCTYPEs, RCDATA/RAWTEXT end tags, attribute states.
    #[test]
    fn fast_tokenizer_edge_cases_build_the_same_tree() {
        let cases = [
            "a &amp b &amp; c &ampx &notin; &noti; &notit; &Aacute &; &#; &#x; &# x &",
            "&#65;&#x41;&#X4a&#0;&#128;&#x9d;&#x110000;&#xD800;&#99999999999;&#13;&#xFFFE;",
            "<a title='&amp=x &ampx &amp; &notin &#65' href=\"?a=1&b=2&copy=3&copy;\">t</a>",
            "<a x=&amp y=&ampz z=&amp;>u</a><a b=c&notin>d</a>",
            "<!-- a --> <!--> <!---> <!----> <!-- b --!> <!--c--->d <!-- e --!x --> <!-- f",
            "<!x y> <? pi ?> </ 1> </> <!-[x]> <![CDATA[ z ]]> a <b",
            "<!DOCTYPE html><p>s</p>",
            "<!doctype HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\"><table><p>q",
            "<!DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0 Strict//EN' 'http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd'><p>x",
            "<!DOCTYPE html SYSTEM \"about:legacy-compat\"><p>x",
            "<title>a <b> &amp; </titlex> </title > t <textarea>\n<b>x</b>&lt;</TEXTAREA>",
            "<style>p { a: '<b>' } </style><xmp><i>&amp;</xmp><noscript><p>n</noscript>",
            "<iframe><b></iframe><noembed>&amp;</noembed><noframes><x></noframes>",
            "<title>unterminated &amp",
            "<p a b=1 c = '2' d=\"3\" e=4 f/ g=/ h=a/ / i>x</p><br/><img src=a/>",
            "<p =a ==b \"c\"=d 'e'=f <g=h>x</p><P CLASS=A Class=B>y</P>",
            "<DIV><P>1<TABLE><TR><TD>2</TD></TR></TABLE></DIV>",
            "<pre>\nfirst line</pre><pre>\n\nsecond</pre><listing>\nl</listing>",
            "<svg><p>x</p></svg><math><mi>y</mi></math>",
            "<p>a</p\n><p\nclass=x\n>b</p >",
            "\u{feff}<p>bom</p>",
            "<a href=\"unterminated",
            "<p x='1'y='2'>adjacent</p>",
            "text & more &lt;&gt; &nbsp;&NotANamedEntity; &AMP; &amp",
        ];
        for (i, html) in cases.iter().enumerate() {
            assert!(
                same_tree(html, &format!("edge case {i}")),
                "edge case {i} was refused"
            );
        }
        for (i, html) in [
            "<script>if (a < b) {}</script><p>x</p>",
            "<plaintext><p>",
            "<svg><![CDATA[ x ]]></svg>",
            "<!DOCTYPE html foo><p>x",
            "a\r\nb",
            "a\0b",
        ]
        .iter()
        .enumerate()
        {
            assert!(
                !same_tree(html, &format!("refused case {i}")),
                "refused case {i} was accepted"
            );
        }
    }

    /// Random sequences of the pieces tokenizers trip on; every input the fast tokenizer
    /// accepts must build scraper's tree. `FINLOOM_TOKENIZER_CASES` runs more of them.
    #[test]
    fn fast_tokenizer_builds_the_same_tree_on_generated_inputs() {
        const PIECES: &[&str] = &[
            "<",
            ">",
            "</",
            "<!--",
            "-->",
            "--!>",
            "-",
            "!",
            "<!",
            "<?",
            "&",
            "&amp",
            "&amp;",
            "&notin;",
            "&noti",
            "&not",
            "&#",
            "&#x",
            "&#65;",
            "&#x41",
            "&#0;",
            "&#128;",
            ";",
            "=",
            "\"",
            "'",
            " ",
            "\n",
            "\t",
            "/",
            "a",
            "b",
            "p",
            "div",
            "table",
            "tr",
            "td",
            "th",
            "title",
            "textarea",
            "style",
            "xmp",
            "noscript",
            "svg",
            "math",
            "pre",
            "select",
            "option",
            "template",
            "html",
            "body",
            "head",
            "TITLE",
            "Td",
            "x=",
            "y",
            "\u{e9}",
            "\u{20ac}",
            "<!DOCTYPE html>",
            "[CDATA[",
            "]]>",
            "ix:nonFraction",
            "frameset",
            "form",
            "li",
            "ul",
            "h1",
            "i",
            "nobr",
            "a href",
            "<br/>",
            "0",
            "9",
            "<p>",
            "</p>",
            "<td>",
            "<tr>",
            "<table>",
            "</table>",
            "<b>",
            "</b>",
            "<i>",
            "</i>",
            "<title>",
            "</title>",
            "<style>",
            "</style>",
            "<textarea>",
            "</textarea>",
            "caption",
            "colgroup",
            "col",
            "tbody",
            "font",
            "center",
            "center>",
            "<pre>",
            "<listing>",
            "&#10;",
            "&#10",
            "&#xa;",
            "&notit;",
            "&xyz;",
            "&x;",
            "</>",
            "\n\n",
            "<!-->",
            "<!--->",
            "--",
            "<a b=",
            "c=&amp",
            "<svg>",
            "<math>",
            "<p/>",
            "&#x",
        ];
        let cases: usize = std::env::var("FINLOOM_TOKENIZER_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for case in 0..cases {
            let n = 1 + (next() % 40) as usize;
            let html: String = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if same_tree(&html, &format!("generated case {case}: {html:?}")) {
                accepted += 1;
            }
        }
        assert!(
            accepted * 2 > cases,
            "only {accepted} of {cases} generated inputs accepted"
        );
        // Character soup: the same check one character at a time.
        const CHARS: &[char] = &[
            '<', '>', '/', '!', '-', '=', '"', '\'', '&', '#', ';', 'x', 'X', '0', '1', '9', 'a',
            'A', 'b', 'p', 't', 'd', 'r', 'l', 'e', 'i', ' ', '\n', '\t', '?', '[', ']', '\u{e9}',
            '\u{20ac}',
        ];
        for case in 0..cases {
            let n = 1 + (next() % 60) as usize;
            let html: String = (0..n)
                .map(|_| CHARS[(next() % CHARS.len() as u64) as usize])
                .collect();
            same_tree(&html, &format!("character soup {case}: {html:?}"));
        }
    }

    /// Every sample filing that ships with the repository, whole (or every filing under
    /// `FINLOOM_TREE_CORPUS`, e.g. `../shared/corpus/filings`, for a wider check).
    #[test]
    fn same_tree_as_scraper_on_every_sample_filing() {
        let root = match std::env::var("FINLOOM_TREE_CORPUS") {
            Ok(dir) => std::path::PathBuf::from(dir),
            Err(_) => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/filings"),
        };
        let (mut n, mut fast) = (0, 0);
        for form in std::fs::read_dir(&root).expect("sample filings") {
            for f in std::fs::read_dir(form.unwrap().path()).unwrap() {
                let path = f.unwrap().path();
                let text = crate::decode::decode(&std::fs::read(&path).unwrap());
                if same_tree(&text, &path.display().to_string()) {
                    fast += 1;
                } else {
                    eprintln!(
                        "{}: {:?}",
                        path.display(),
                        crate::tokenize::parse_document(&text).err()
                    );
                }
                n += 1;
            }
        }
        assert!(n >= 27, "only {n} sample filings found");
        eprintln!("fast tokenizer accepted {fast} of {n}");
    }
}
