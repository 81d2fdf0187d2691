// The desktop strings (issue 10). English first; the Chinese object must have every key.
export const desktopEn = {
} as const;

export const desktopZh: Record<keyof typeof desktopEn, string> = {
};
