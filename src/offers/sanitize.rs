//! Offer copy arrives as HTML (Chargebee's `content.title` and `content.description`). It is cleaned here,
//! on the server, with ammonia before any page or island sees it: only simple formatting survives —
//! no scripts, no event-handler attributes, no `javascript:` or other non-web URLs, no styles.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags(["div", "p", "span", "strong", "b", "em", "i", "u", "br", "ul", "ol", "li", "a", "h3", "h4"])
            .add_tag_attributes("a", ["href"])
            .add_generic_attributes(["class"])
            // Chargebee's editor marks paragraphs with `slate-*` classes; nothing else styles offer copy.
            .attribute_filter(|_, attr, value| {
                if attr != "class" {
                    return Some(value.into());
                }
                let kept: Vec<&str> = value.split_whitespace().filter(|c| c.starts_with("slate-")).collect();
                (!kept.is_empty()).then(|| kept.join(" ").into())
            })
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("noopener noreferrer"));
        b
    })
}

/// The HTML with everything but simple formatting removed.
pub fn offer_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::offer_html;

    #[test]
    fn keeps_chargebee_paragraphs_and_simple_formatting() {
        let html = r#"<div class="slate-p">Get <strong>advanced</strong> dashboards</div>"#;
        assert_eq!(offer_html(html), html);
    }

    #[test]
    fn removes_script_tags_with_their_content() {
        let out = offer_html(r#"<p>Hi<script>alert(1)</script></p>"#);
        assert_eq!(out, "<p>Hi</p>");
    }

    #[test]
    fn removes_event_handler_attributes() {
        let out =
            offer_html(r#"<div onclick="steal()" onmouseover=x class="slate-p">Go</div><img src=x onerror=alert(1)>"#);
        assert!(!out.contains("onclick") && !out.contains("onmouseover") && !out.contains("onerror"), "{out}");
        assert!(!out.contains("<img"), "{out}");
        assert!(out.contains(r#"class="slate-p""#));
    }

    #[test]
    fn removes_javascript_and_data_urls_but_keeps_web_links() {
        for bad in
            ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "data:text/html,x", "vbscript:x"]
        {
            let out = offer_html(&format!(r#"<a href="{bad}">x</a>"#));
            assert!(!out.to_lowercase().contains("script:") && !out.contains("data:"), "{bad} → {out}");
        }
        let out = offer_html(r#"<a href="https://example.com/pricing">Pricing</a>"#);
        assert_eq!(out, r#"<a href="https://example.com/pricing" rel="noopener noreferrer">Pricing</a>"#);
    }

    #[test]
    fn drops_styles_iframes_and_foreign_classes() {
        let out = offer_html(
            r#"<p style="position:fixed" class="evil slate-p">x</p><iframe src="https://e.test"></iframe><style>*{}</style>"#,
        );
        assert_eq!(out, r#"<p class="slate-p">x</p>"#);
    }
}
