import { Link, useNavigate } from "@tanstack/react-router";
import { GhostTextToggle } from "@/features/settings/components/ghost-text-toggle";
import { useGhostTextEnabled } from "@/features/settings/hooks/use-ghost-text-enabled";
import { TemplateEditorForm } from "@/features/templates/components/template-editor-form";

/** A new template: its first save creates version 1 and opens it in the editor. */
export function NewTemplatePage() {
  const [ghostText] = useGhostTextEnabled();
  const navigate = useNavigate();
  return (
    <main className="page page-wide template-page" id="main">
      <p className="breadcrumb">
        <Link to="/templates">Templates</Link>
      </p>
      <div className="page-heading">
        <h1>New template</h1>
        <GhostTextToggle compact />
      </div>
      <TemplateEditorForm
        ghostText={ghostText}
        onCreated={(template) =>
          void navigate({
            to: "/templates/$templateId",
            params: { templateId: String(template.id) },
            replace: true,
            state: { templateNotice: `Created version ${template.version}.` },
          })
        }
      />
    </main>
  );
}
