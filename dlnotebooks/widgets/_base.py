"""Shared plumbing of the explorers: a control panel, one PNG image, redraw on change."""

# The explorers draw as the monitor does: Figure + Agg, never pyplot (see monitor.figures).
from ..monitor.figures import figure_png, new_figure  # noqa: F401  (new_figure: for subclasses)


class Explorer:
    """Base class: subclasses define ``_controls()``, ``_compute(**values)`` and ``_draw()``.

    The controls sit in two columns above the figure, which gets the output's full width.

    ``explorer.controls`` maps names to the control widgets, ``explorer.image`` is the
    ``ipywidgets.Image`` that shows the figure, ``explorer.widget`` is the whole app, and
    ``explorer.result`` the latest computed data. Displaying the explorer displays the app;
    changing any control recomputes and redraws.
    """

    def __init__(self):
        import ipywidgets as W

        self.controls = self._controls()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.message = W.HTML()
        panel = W.GridBox(list(self.controls.values()),
                          layout=W.Layout(grid_template_columns="repeat(2, minmax(300px, 1fr))",
                                          grid_gap="2px 16px", max_width="860px"))
        self.widget = W.VBox([panel, self.image, self.message])
        self.widget.add_class("dl-explorer")
        self.result = None
        self.redraws = 0
        for control in self.controls.values():
            if hasattr(control, "value"):
                control.observe(self._on_change, names="value")
        self.update()

    def _on_change(self, change):
        self.update()

    def values(self):
        """The controls' current values as a dict."""
        return {name: c.value for name, c in self.controls.items() if hasattr(c, "value")}

    def update(self):
        """Recompute from the controls and redraw the figure."""
        try:
            self.result = self._compute(**self.values())
            fig = self._draw(self.result)
            self.image.value = figure_png(fig)
            self.message.value = ""
        except (ValueError, FloatingPointError) as error:
            self.message.value = f"<span style='color:#b00000'>{error}</span>"
        self.redraws += 1

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def close(self):
        for control in self.controls.values():
            control.close()
        self.image.close()
        self.message.close()
        for child in self.widget.children:
            child.close()
        self.widget.close()
