import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { useMe } from "../api";

interface UserMenuProps {
  onLogout: () => void;
}

/** The signed-in person's name in the top bar, opening a small menu with "Log out". */
export function UserMenu({ onLogout }: UserMenuProps) {
  const me = useMe();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const triggerRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent && event.key !== "Escape") return;
      if (event instanceof MouseEvent && rootRef.current?.contains(event.target as Node)) return;
      setOpen(false);
      // Escape leaves focus where the menu was opened from, not on the page's body.
      if (event instanceof KeyboardEvent) triggerRef.current?.focus();
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);

  const user = me.data;
  const name = user ? user.display_name || user.email : "Account";

  return (
    <div className="user-menu" ref={rootRef}>
      <Button
        ref={triggerRef}
        variant="ghost"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={`User menu: ${name}`}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-menu-name">{name}</span>
      </Button>
      {open ? (
        <div className="user-menu-popover" id={menuId}>
          {user ? (
            <div className="user-menu-info">
              <strong>{user.display_name || user.email}</strong>
              <span>{user.email}</span>
              <span className="tag">{user.role}</span>
            </div>
          ) : null}
          <Button variant="secondary" onClick={onLogout}>
            Log out
          </Button>
        </div>
      ) : null}
    </div>
  );
}
