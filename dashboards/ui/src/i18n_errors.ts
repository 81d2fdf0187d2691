// The errors strings (issue 10). English first; the Chinese object must have every key.
export const errorsEn = {
} as const;

export const errorsZh: Record<keyof typeof errorsEn, string> = {
};
