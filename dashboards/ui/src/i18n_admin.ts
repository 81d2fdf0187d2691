// The admin strings (issue 10). English first; the Chinese object must have every key.
export const adminEn = {
} as const;

export const adminZh: Record<keyof typeof adminEn, string> = {
};
