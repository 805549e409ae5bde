import { describe, expect, it } from "vitest";
import {
  checkFields,
  displayNameRule,
  emailRule,
  keyDaysRule,
  newPasswordRule,
  plainFieldMessage,
} from "../form-rules";

describe("form rules (the API's, checked first in the browser)", () => {
  it("passwords: 8 to 128 characters mixing letters with something else", () => {
    expect(newPasswordRule("")).toBe("Enter a password.");
    expect(newPasswordRule("abc1")).toBe("Use at least 8 characters.");
    expect(newPasswordRule("onlyletters")).toBe("Mix letters with digits or symbols.");
    expect(newPasswordRule("12345678")).toBe("Mix letters with digits or symbols.");
    expect(newPasswordRule(`a${"1".repeat(128)}`)).toBe("Use at most 128 characters.");
    expect(newPasswordRule("secret-word")).toBeUndefined();
    expect(newPasswordRule("pässwörd1")).toBeUndefined();
    // Like Python's len: an emoji is one character, not two UTF-16 units.
    expect(newPasswordRule("a😀😀😀😀😀😀")).toBe("Use at least 8 characters.");
  });

  it("emails have one @ and a dotted domain", () => {
    expect(emailRule("")).toBe("Enter your email address.");
    expect(emailRule("ada")).toBe("Enter an email address like name@example.com.");
    expect(emailRule("ada@example")).toBe("Enter an email address like name@example.com.");
    expect(emailRule("a da@example.com")).toBe("Enter an email address like name@example.com.");
    expect(emailRule(" ada@example.com ")).toBeUndefined();
  });

  it("names are at most 100 characters", () => {
    expect(displayNameRule("")).toBeUndefined();
    expect(displayNameRule("x".repeat(101))).toBe("Use at most 100 characters.");
  });

  it("key lifetimes are empty or whole days from 1 to 3650", () => {
    expect(keyDaysRule("")).toBeUndefined();
    expect(keyDaysRule("30")).toBeUndefined();
    expect(keyDaysRule("0")).toMatch(/at least 1 day/);
    expect(keyDaysRule("3651")).toMatch(/at most 3650 days/);
    expect(keyDaysRule("1.5")).toMatch(/whole number/);
  });

  it("checkFields lists only the fields with a problem", () => {
    expect(
      checkFields(
        { email: "ada@example.com", password: "short" },
        { email: emailRule, password: newPasswordRule },
      ),
    ).toEqual({ password: "Use at least 8 characters." });
  });

  it("rewords the server's validation messages in plain words", () => {
    expect(plainFieldMessage("Value error, must mix letters with digits or symbols")).toBe(
      "Mix letters with digits or symbols.",
    );
    expect(plainFieldMessage("String should have at least 8 characters")).toBe(
      "Use at least 8 characters.",
    );
    expect(
      plainFieldMessage(
        "value is not a valid email address: An email address must have an @-sign.",
      ),
    ).toBe("Enter an email address like name@example.com.");
    expect(plainFieldMessage("Field required")).toBe("This is required.");
    expect(plainFieldMessage("Input should be less than or equal to 3650")).toBe(
      "Use at most 3650.",
    );
    expect(plainFieldMessage("is incorrect")).toBe("Is incorrect.");
  });
});
