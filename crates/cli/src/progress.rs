//! Progress bars for long imports, shown only on a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Bar {
    bar: ProgressBar,
    template: &'static str,
}

impl Bar {
    /// A bar measured in bytes of input.
    pub fn bytes() -> Bar {
        Bar::with_template("{spinner} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)")
    }

    /// A bar measured in rows, with a label.
    pub fn rows(label: &str) -> Bar {
        let bar = Bar::with_template("{spinner} {prefix:>14} [{bar:40}] {pos}/{len} rows");
        bar.bar.set_prefix(label.to_string());
        bar
    }

    fn with_template(template: &'static str) -> Bar {
        // Hidden unless stderr is a terminal, so logs and CI output stay clean.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Bar { bar, template }
    }
}

impl salescope_import::Progress for Bar {
    fn start(&self, total: u64) {
        self.bar.set_length(total);
        if let Ok(style) = ProgressStyle::with_template(self.template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }

    fn advance(&self, done: u64) {
        self.bar.set_position(done);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
